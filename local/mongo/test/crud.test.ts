/* eslint-disable @typescript-eslint/no-explicit-any -- documents under test are schemaless */
/**
 * CRUD through the raw driver and mongoose: inserts, queries, projection, sort,
 * cursors (getMore / killCursors), counts, distinct, update operators, upserts,
 * findAndModify variants, unacknowledged writes and update errors.
 */
import { Collection, Document, Long, MongoBulkWriteError, MongoServerError, ObjectId } from 'mongodb';
import mongoose from 'mongoose';
import { errorOf, eventually, useFixture } from './target';

const fixture = useFixture('crud');

let collSeq = 0;
function freshColl(name: string): Collection<any> {
  collSeq += 1;
  return fixture.get().db.collection(`${name}_${collSeq}`);
}
const ids = (docs: Document[]) => docs.map((d) => d._id);
/** Cursor ids are int64 on the wire; the driver may hand them back as Long or (promoted) number. */
const cid = (id: unknown): string => String(id);
const asLong = (id: unknown): Long => (id instanceof Long ? id : Long.fromString(String(id)));

describe('inserts', () => {
  it('insertOne generates an ObjectId _id and stores the document', async () => {
    const c = freshColl('ins');
    const res = await c.insertOne({ a: 1 });
    expect(res.acknowledged).toBe(true);
    expect(res.insertedId).toBeInstanceOf(ObjectId);
    expect(await c.findOne({})).toEqual({ _id: res.insertedId, a: 1 });
  });

  it('insertMany inserts all documents in order', async () => {
    const c = freshColl('insmany');
    const res = await c.insertMany([
      { _id: 1, v: 'a' },
      { _id: 2, v: 'b' },
      { _id: 3, v: 'c' },
    ]);
    expect(res.insertedCount).toBe(3);
    expect(res.insertedIds).toEqual({ 0: 1, 1: 2, 2: 3 });
    expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, v: 'a' },
      { _id: 2, v: 'b' },
      { _id: 3, v: 'c' },
    ]);
  });

  it('ordered insertMany stops at the first error and reports its index', async () => {
    const c = freshColl('ordered');
    const err = await errorOf(() => c.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 1 }, { _id: 3 }]));
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    expect(err.code).toBe(11000);
    expect(err.insertedCount).toBe(2);
    expect(err.writeErrors).toHaveLength(1);
    expect(err.writeErrors[0].index).toBe(2);
    expect(err.writeErrors[0].code).toBe(11000);
    expect(ids(await c.find().sort({ _id: 1 }).toArray())).toEqual([1, 2]);
  });

  it('unordered insertMany continues past errors and reports every failing index', async () => {
    const c = freshColl('unordered');
    const err = await errorOf(() =>
      c.insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }, { _id: 2 }, { _id: 3 }], { ordered: false }),
    );
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    expect(err.insertedCount).toBe(3);
    expect(err.writeErrors.map((e: { index: number }) => e.index)).toEqual([1, 3]);
    expect(err.writeErrors.every((e: { code: number }) => e.code === 11000)).toBe(true);
    expect(ids(await c.find().sort({ _id: 1 }).toArray())).toEqual([1, 2, 3]);
  });

  it('the raw insert command reports writeErrors with index and code', async () => {
    const { db } = fixture.get();
    const c = freshColl('rawins');
    const res = await db.command({
      insert: c.collectionName,
      documents: [{ _id: 'a' }, { _id: 'a' }, { _id: 'b' }],
      ordered: false,
    });
    expect(res.ok).toBe(1);
    expect(res.n).toBe(2);
    expect(res.writeErrors).toHaveLength(1);
    expect(res.writeErrors[0].index).toBe(1);
    expect(res.writeErrors[0].code).toBe(11000);
    expect(res.writeErrors[0].errmsg).toMatch(/E11000/);
  });

  it('preserves field order and nested values', async () => {
    const c = freshColl('order');
    const doc = { _id: 1, z: 1, a: { y: [1, { b: 2 }], c: null }, m: 'x' };
    await c.insertOne(doc);
    const back = await c.findOne({ _id: 1 });
    expect(back).toEqual(doc);
    expect(Object.keys(back!)).toEqual(['_id', 'z', 'a', 'm']);
    expect(Object.keys(back!.a)).toEqual(['y', 'c']);
  });
});

describe('query operators', () => {
  let c: Collection<any>;
  beforeAll(async () => {
    c = freshColl('query');
    await c.insertMany([
      {
        _id: 1,
        name: 'alice',
        age: 30,
        tags: ['a', 'b'],
        addr: { city: 'Paris', zip: '75001' },
        items: [
          { sku: 'x', qty: 1 },
          { sku: 'y', qty: 5 },
        ],
      },
      { _id: 2, name: 'bob', age: 25, tags: ['b', 'c'], addr: { city: 'Lyon' }, items: [{ sku: 'y', qty: 2 }] },
      { _id: 3, name: 'Carol', age: 35, tags: [], addr: { city: 'Paris' }, items: [] },
      { _id: 4, name: 'dave', age: null, tags: ['a', 'b', 'c'] },
      { _id: 5, name: 'eve' },
    ]);
  });
  const q = async (filter: Document) => ids(await c.find(filter).sort({ _id: 1 }).toArray());

  it('$eq / implicit equality, $ne', async () => {
    expect(await q({ name: 'bob' })).toEqual([2]);
    expect(await q({ age: { $eq: 30 } })).toEqual([1]);
    // $ne also matches documents where the field is missing or null
    expect(await q({ age: { $ne: 30 } })).toEqual([2, 3, 4, 5]);
  });

  it('$gt $gte $lt $lte', async () => {
    expect(await q({ age: { $gt: 25 } })).toEqual([1, 3]);
    expect(await q({ age: { $gte: 25 } })).toEqual([1, 2, 3]);
    expect(await q({ age: { $lt: 30 } })).toEqual([2]);
    expect(await q({ age: { $lte: 30 } })).toEqual([1, 2]);
    expect(await q({ age: { $gt: 25, $lt: 35 } })).toEqual([1]);
  });

  it('$in / $nin (null in $in matches missing)', async () => {
    expect(await q({ age: { $in: [25, 35] } })).toEqual([2, 3]);
    expect(await q({ age: { $in: [null] } })).toEqual([4, 5]);
    expect(await q({ age: { $nin: [25, 35] } })).toEqual([1, 4, 5]);
    expect(await q({ tags: { $in: ['c'] } })).toEqual([2, 4]);
    expect(await q({ name: { $in: [/^a/, 'bob'] } })).toEqual([1, 2]);
  });

  it('$exists', async () => {
    expect(await q({ age: { $exists: true } })).toEqual([1, 2, 3, 4]);
    expect(await q({ age: { $exists: false } })).toEqual([5]);
    expect(await q({ 'addr.zip': { $exists: true } })).toEqual([1]);
  });

  it('null matches null and missing', async () => {
    expect(await q({ age: null })).toEqual([4, 5]);
    expect(await q({ 'addr.zip': null })).toEqual([2, 3, 4, 5]);
  });

  it('$and $or $nor $not', async () => {
    expect(await q({ $and: [{ age: { $gte: 25 } }, { 'addr.city': 'Paris' }] })).toEqual([1, 3]);
    expect(await q({ $or: [{ name: 'eve' }, { age: 25 }] })).toEqual([2, 5]);
    expect(await q({ $nor: [{ name: 'eve' }, { age: 25 }] })).toEqual([1, 3, 4]);
    // $not matches missing fields too
    expect(await q({ age: { $not: { $gt: 25 } } })).toEqual([2, 4, 5]);
    expect(await q({ name: { $not: /^[a-c]/ } })).toEqual([3, 4, 5]);
  });

  it('$regex (literal, string with $options, case-insensitive)', async () => {
    expect(await q({ name: /^c/ })).toEqual([]);
    expect(await q({ name: /^c/i })).toEqual([3]);
    expect(await q({ name: { $regex: 'e$' } })).toEqual([1, 4, 5]);
    expect(await q({ name: { $regex: '^B', $options: 'i' } })).toEqual([2]);
    expect(await q({ tags: /^c$/ })).toEqual([2, 4]);
  });

  it('$elemMatch $size $all', async () => {
    expect(await q({ items: { $elemMatch: { sku: 'y', qty: { $gt: 3 } } } })).toEqual([1]);
    // without $elemMatch the conditions may be satisfied by different elements
    expect(await q({ 'items.sku': 'x', 'items.qty': 5 })).toEqual([1]);
    expect(await q({ items: { $elemMatch: { sku: 'x', qty: 5 } } })).toEqual([]);
    expect(await q({ tags: { $size: 0 } })).toEqual([3]);
    expect(await q({ tags: { $size: 2 } })).toEqual([1, 2]);
    expect(await q({ tags: { $all: ['a', 'b'] } })).toEqual([1, 4]);
    expect(await q({ tags: { $all: ['c', 'a'] } })).toEqual([4]);
  });

  it('dotted paths into subdocuments and arrays', async () => {
    expect(await q({ 'addr.city': 'Paris' })).toEqual([1, 3]);
    expect(await q({ 'items.sku': 'y' })).toEqual([1, 2]);
    expect(await q({ 'items.qty': { $gte: 2 } })).toEqual([1, 2]);
    expect(await q({ 'items.0.sku': 'y' })).toEqual([2]);
    expect(await q({ 'tags.1': 'b' })).toEqual([1, 4]);
    // a scalar equality against an array field matches any element
    expect(await q({ tags: 'c' })).toEqual([2, 4]);
    // an array equality matches the whole array exactly (order matters)
    expect(await q({ tags: ['a', 'b'] })).toEqual([1]);
    expect(await q({ tags: ['b', 'a'] })).toEqual([]);
    // an embedded-document equality is exact, including field order
    expect(await q({ addr: { city: 'Lyon' } })).toEqual([2]);
    expect(await q({ addr: { zip: '75001', city: 'Paris' } })).toEqual([]);
  });

  it('$type and $mod', async () => {
    expect(await q({ age: { $type: 'number' } })).toEqual([1, 2, 3]);
    expect(await q({ age: { $type: 'null' } })).toEqual([4]);
    expect(await q({ tags: { $type: 'array' } })).toEqual([1, 2, 3, 4]);
    expect(await q({ age: { $mod: [10, 5] } })).toEqual([2, 3]);
  });

  it('$expr compares fields of the same document', async () => {
    const c2 = freshColl('expr');
    await c2.insertMany([
      { _id: 1, a: 5, b: 3 },
      { _id: 2, a: 1, b: 3 },
      { _id: 3, a: 3, b: 3 },
    ]);
    expect(ids(await c2.find({ $expr: { $gt: ['$a', '$b'] } }).toArray())).toEqual([1]);
    expect(ids(await c2.find({ $expr: { $eq: ['$a', '$b'] } }).toArray())).toEqual([3]);
  });

  it('positional projection (items.$)', async () => {
    expect(await c.findOne({ 'items.sku': 'y', _id: 1 }, { projection: { 'items.$': 1 } })).toEqual({
      _id: 1,
      items: [{ sku: 'y', qty: 5 }],
    });
  });

  it('$slice projection', async () => {
    expect(await c.findOne({ _id: 4 }, { projection: { tags: { $slice: 2 }, _id: 0 } })).toEqual({
      name: 'dave',
      age: null,
      tags: ['a', 'b'],
    });
    expect(await c.findOne({ _id: 4 }, { projection: { tags: { $slice: -1 }, name: 1 } })).toEqual({
      _id: 4,
      name: 'dave',
      tags: ['c'],
    });
  });

  it('$elemMatch projection', async () => {
    expect(await c.findOne({ _id: 1 }, { projection: { items: { $elemMatch: { qty: { $gt: 2 } } } } })).toEqual({
      _id: 1,
      items: [{ sku: 'y', qty: 5 }],
    });
  });

  it('find projections may compute values with aggregation expressions', async () => {
    expect(
      await c.findOne({ _id: 1 }, { projection: { _id: 0, len: { $strLenCP: '$name' }, city: '$addr.city' } }),
    ).toEqual({
      len: 5,
      city: 'Paris',
    });
  });

  it('a hint naming a missing index is rejected', async () => {
    await expect(c.find({}).hint('no_such_index').toArray()).rejects.toBeInstanceOf(MongoServerError);
  });

  it('an unknown query operator is rejected (BadValue, 2)', async () => {
    const err = await errorOf(() => c.find({ age: { $bogus: 1 } }).toArray());
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(2);
  });
});

describe('projection, sort, skip, limit', () => {
  let c: Collection<any>;
  beforeAll(async () => {
    c = freshColl('proj');
    await c.insertMany([
      {
        _id: 1,
        a: 1,
        b: 'x',
        sub: { p: 1, q: 2 },
        arr: [
          { k: 1, l: 2 },
          { k: 3, l: 4 },
        ],
      },
      { _id: 2, a: 2, b: 'y', sub: { p: 3, q: 4 } },
      { _id: 3, a: 2, b: 'x', sub: { p: 5 } },
      { _id: 4, a: 1, b: 'z' },
    ]);
  });

  it('inclusion projection keeps _id by default', async () => {
    expect(await c.findOne({ _id: 1 }, { projection: { a: 1 } })).toEqual({ _id: 1, a: 1 });
  });

  it('exclusion projection', async () => {
    expect(await c.findOne({ _id: 2 }, { projection: { sub: 0, b: 0 } })).toEqual({ _id: 2, a: 2 });
  });

  it('_id: 0 with inclusion, and _id: 0 alone', async () => {
    expect(await c.findOne({ _id: 2 }, { projection: { _id: 0, b: 1 } })).toEqual({ b: 'y' });
    expect(await c.findOne({ _id: 4 }, { projection: { _id: 0 } })).toEqual({ a: 1, b: 'z' });
  });

  it('nested inclusion and exclusion', async () => {
    expect(await c.findOne({ _id: 1 }, { projection: { 'sub.q': 1 } })).toEqual({ _id: 1, sub: { q: 2 } });
    expect(await c.findOne({ _id: 1 }, { projection: { 'arr.k': 1, _id: 0 } })).toEqual({ arr: [{ k: 1 }, { k: 3 }] });
    expect(await c.findOne({ _id: 2 }, { projection: { 'sub.p': 0 } })).toEqual({
      _id: 2,
      a: 2,
      b: 'y',
      sub: { q: 4 },
    });
    // documents without the projected subfield come back without it
    expect(await c.findOne({ _id: 4 }, { projection: { 'sub.q': 1 } })).toEqual({ _id: 4 });
  });

  it('mixing inclusion and exclusion is rejected', async () => {
    const err = await errorOf(() => c.findOne({}, { projection: { a: 1, b: 0 } }));
    expect(err).toBeInstanceOf(MongoServerError);
  });

  it('multi-key sort ascending / descending', async () => {
    expect(ids(await c.find().sort({ a: 1, b: -1 }).toArray())).toEqual([4, 1, 2, 3]);
    expect(ids(await c.find().sort({ a: -1, b: 1 }).toArray())).toEqual([3, 2, 1, 4]);
    expect(ids(await c.find().sort({ b: 1, _id: -1 }).toArray())).toEqual([3, 1, 2, 4]);
    // missing sorts as null, i.e. before numbers
    expect(ids(await c.find().sort({ 'sub.p': 1 }).toArray())).toEqual([4, 1, 2, 3]);
    expect(ids(await c.find().sort({ 'sub.p': -1 }).toArray())).toEqual([3, 2, 1, 4]);
  });

  it('skip and limit apply after sort', async () => {
    expect(ids(await c.find().sort({ _id: -1 }).skip(1).limit(2).toArray())).toEqual([3, 2]);
    expect(ids(await c.find().sort({ _id: 1 }).skip(3).toArray())).toEqual([4]);
    expect(ids(await c.find().sort({ _id: 1 }).skip(10).toArray())).toEqual([]);
    expect(ids(await c.find().sort({ _id: 1 }).limit(1).toArray())).toEqual([1]);
  });
});

describe('cursors', () => {
  let c: Collection<any>;
  beforeAll(async () => {
    c = freshColl('cursor');
    await c.insertMany(Array.from({ length: 250 }, (_, i) => ({ _id: i, pad: 'x'.repeat(20) })));
  });

  it('batchSize 10 over 250 documents returns every document once, in order', async () => {
    const all = await c.find().sort({ _id: 1 }).batchSize(10).toArray();
    expect(all.map((d) => d._id)).toEqual(Array.from({ length: 250 }, (_, i) => i));
  });

  it('iterating with for-await over small batches', async () => {
    let n = 0;
    let sum = 0;
    for await (const d of c.find({ _id: { $gte: 100 } }).batchSize(7)) {
      n += 1;
      sum += d._id;
    }
    expect(n).toBe(150);
    expect(sum).toBe((100 + 249) * 75);
  });

  it('large documents: batches are capped at 16 MB and every document still arrives', async () => {
    const big = freshColl('bigdocs');
    const pad = 'x'.repeat(250 * 1024);
    for (let i = 0; i < 150; i += 50) {
      await big.insertMany(Array.from({ length: 50 }, (_, j) => ({ _id: i + j, pad })));
    }
    const { db } = fixture.get();
    const first = await db.command({ find: big.collectionName, sort: { _id: 1 } });
    expect(first.cursor.firstBatch.length).toBeGreaterThan(0);
    expect(first.cursor.firstBatch.length).toBeLessThan(101);
    await db.command({ killCursors: big.collectionName, cursors: [asLong(first.cursor.id)] });
    let n = 0;
    for await (const d of big.find({}).sort({ _id: 1 })) {
      expect(d._id).toBe(n);
      expect(d.pad.length).toBe(pad.length);
      n += 1;
    }
    expect(n).toBe(150);
    expect((await big.find().toArray()).length).toBe(150);
    await big.drop();
  }, 30000);

  it('find/getMore honour batchSize and finish with cursor id 0', async () => {
    const { db } = fixture.get();
    const first = await db.command({ find: c.collectionName, sort: { _id: 1 }, batchSize: 10 });
    expect(first.cursor.firstBatch).toHaveLength(10);
    expect(first.cursor.ns).toBe(`${db.databaseName}.${c.collectionName}`);
    let id = first.cursor.id;
    expect(cid(id)).not.toBe('0');
    const seen: number[] = first.cursor.firstBatch.map((d: Document) => d._id);
    let getMores = 0;
    while (cid(id) !== '0') {
      const more = await db.command({ getMore: asLong(id), collection: c.collectionName, batchSize: 10 });
      getMores += 1;
      expect(more.cursor.nextBatch.length).toBeLessThanOrEqual(10);
      seen.push(...more.cursor.nextBatch.map((d: Document) => d._id));
      id = more.cursor.id;
      if (getMores > 30) break;
    }
    expect(cid(id)).toBe('0');
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(getMores).toBeGreaterThanOrEqual(24);
    expect(getMores).toBeLessThanOrEqual(25);
  });

  it('the default first batch of find is 101 documents', async () => {
    const { db } = fixture.get();
    const first = await db.command({ find: c.collectionName });
    expect(first.cursor.firstBatch).toHaveLength(101);
    await db.command({ killCursors: c.collectionName, cursors: [asLong(first.cursor.id)] });
  });

  it('a limit smaller than the batch closes the cursor in the first batch', async () => {
    const { db } = fixture.get();
    const res = await db.command({ find: c.collectionName, limit: 5, batchSize: 10 });
    expect(res.cursor.firstBatch).toHaveLength(5);
    expect(cid(res.cursor.id)).toBe('0');
  });

  it('killCursors kills the cursor; getMore on it is CursorNotFound (43)', async () => {
    const { db } = fixture.get();
    const first = await db.command({ find: c.collectionName, batchSize: 2 });
    const id = asLong(first.cursor.id);
    expect(cid(id)).not.toBe('0');
    const killed = await db.command({ killCursors: c.collectionName, cursors: [id] });
    expect(killed.cursorsKilled.map(cid)).toEqual([cid(id)]);
    const err = await errorOf(() => db.command({ getMore: id, collection: c.collectionName }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(43);
  });

  it('cursor.close() ends the server cursor', async () => {
    const { db } = fixture.get();
    const cursor = c.find().batchSize(3);
    await cursor.next();
    const id = asLong(cursor.id);
    expect(cid(id)).not.toBe('0');
    await cursor.close();
    const err = await errorOf(() => db.command({ getMore: id, collection: c.collectionName }));
    expect(err.code).toBe(43);
  });
});

describe('counts and distinct', () => {
  let c: Collection<any>;
  beforeAll(async () => {
    c = freshColl('count');
    await c.insertMany([
      { _id: 1, k: 'a', tags: ['x', 'y'], n: 1 },
      { _id: 2, k: 'b', tags: ['y', 'z'], n: 2 },
      { _id: 3, k: 'a', tags: 'w', n: 1.0 },
      { _id: 4, sub: { k: 's' } },
    ]);
  });

  it('countDocuments with and without filter, skip, limit', async () => {
    expect(await c.countDocuments()).toBe(4);
    expect(await c.countDocuments({ k: 'a' })).toBe(2);
    expect(await c.countDocuments({ k: 'nope' })).toBe(0);
    expect(await c.countDocuments({}, { skip: 1, limit: 2 })).toBe(2);
    expect(await freshColl('nonexistent').countDocuments()).toBe(0);
  });

  it('estimatedDocumentCount', async () => {
    expect(await c.estimatedDocumentCount()).toBe(4);
    expect(await freshColl('nonexistent').estimatedDocumentCount()).toBe(0);
  });

  it('distinct flattens arrays and skips missing', async () => {
    expect((await c.distinct('k')).sort()).toEqual(['a', 'b']);
    expect((await c.distinct('tags')).sort()).toEqual(['w', 'x', 'y', 'z']);
    expect((await c.distinct('k', { n: 2 })).sort()).toEqual(['b']);
    expect(await c.distinct('sub.k')).toEqual(['s']);
    // 1 and 1.0 are the same value
    expect((await c.distinct('n')).sort()).toEqual([1, 2]);
  });
});

describe('update operators', () => {
  let c: Collection<any>;
  beforeEach(async () => {
    c = freshColl('upd');
  });

  it('$set (incl. dotted, creating subdocuments) and $unset', async () => {
    await c.insertOne({ _id: 1, a: 1, b: 2, s: { x: 1 } });
    const r = await c.updateOne({ _id: 1 }, { $set: { a: 10, 's.y': 2, 'n.e.w': true }, $unset: { b: '' } });
    expect(r.matchedCount).toBe(1);
    expect(r.modifiedCount).toBe(1);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: 10, s: { x: 1, y: 2 }, n: { e: { w: true } } });
  });

  it('a no-op update matches but does not modify', async () => {
    await c.insertOne({ _id: 1, a: 1 });
    const r = await c.updateOne({ _id: 1 }, { $set: { a: 1 } });
    expect(r.matchedCount).toBe(1);
    expect(r.modifiedCount).toBe(0);
    const none = await c.updateOne({ _id: 2 }, { $set: { a: 1 } });
    expect(none.matchedCount).toBe(0);
    expect(none.upsertedCount).toBe(0);
  });

  it('$inc $mul $min $max', async () => {
    await c.insertOne({ _id: 1, n: 5, m: 3, lo: 10, hi: 10, d: 1.5 });
    await c.updateOne(
      { _id: 1 },
      { $inc: { n: 2, fresh: 3, d: 1 }, $mul: { m: 4, absent: 2 }, $min: { lo: 7 }, $max: { hi: 12 } },
    );
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, n: 7, m: 12, lo: 7, hi: 12, d: 2.5, fresh: 3, absent: 0 });
    const r = await c.updateOne({ _id: 1 }, { $min: { lo: 9 }, $max: { hi: 11 } });
    expect(r.modifiedCount).toBe(0);
    await c.updateOne({ _id: 1 }, { $inc: { n: -10 } });
    expect((await c.findOne({ _id: 1 }))!.n).toBe(-3);
  });

  it('$push, $push $each $slice, $addToSet ($each), $pull, $pop', async () => {
    await c.insertOne({ _id: 1, a: [1, 2], s: ['x'], p: [1, 5, 8, 2, 9], q: [1, 2, 3] });
    await c.updateOne({ _id: 1 }, <any>{ $push: { a: 3, created: 'first' } });
    expect(await c.findOne({ _id: 1 })).toMatchObject({ a: [1, 2, 3], created: ['first'] });
    await c.updateOne({ _id: 1 }, <any>{ $push: { a: { $each: [4, 5, 6], $slice: -4 } } });
    expect((await c.findOne({ _id: 1 }))!.a).toEqual([3, 4, 5, 6]);
    await c.updateOne({ _id: 1 }, <any>{ $push: { a: { $each: [0], $position: 0 } } });
    expect((await c.findOne({ _id: 1 }))!.a).toEqual([0, 3, 4, 5, 6]);
    await c.updateOne({ _id: 1 }, <any>{ $push: { a: { $each: [], $slice: 2 } } });
    expect((await c.findOne({ _id: 1 }))!.a).toEqual([0, 3]);

    await c.updateOne({ _id: 1 }, { $addToSet: { s: 'x' } });
    await c.updateOne({ _id: 1 }, { $addToSet: { s: { $each: ['y', 'x', 'z', 'y'] } } });
    expect((await c.findOne({ _id: 1 }))!.s).toEqual(['x', 'y', 'z']);

    await c.updateOne({ _id: 1 }, <any>{ $pull: { p: { $gte: 5 } } });
    expect((await c.findOne({ _id: 1 }))!.p).toEqual([1, 2]);
    await c.updateOne({ _id: 1 }, <any>{ $pull: { s: 'y' } });
    expect((await c.findOne({ _id: 1 }))!.s).toEqual(['x', 'z']);

    await c.updateOne({ _id: 1 }, { $pop: { q: 1 } });
    expect((await c.findOne({ _id: 1 }))!.q).toEqual([1, 2]);
    await c.updateOne({ _id: 1 }, { $pop: { q: -1 } });
    expect((await c.findOne({ _id: 1 }))!.q).toEqual([2]);
  });

  it('$pull with a subdocument condition', async () => {
    await c.insertOne({
      _id: 1,
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 0 },
        { sku: 'c', qty: 0 },
      ],
    });
    await c.updateOne({ _id: 1 }, <any>{ $pull: { items: { qty: 0 } } });
    expect((await c.findOne({ _id: 1 }))!.items).toEqual([{ sku: 'a', qty: 1 }]);
  });

  it('$rename', async () => {
    await c.insertOne({ _id: 1, old: 'v', keep: 1, s: { inner: 2 } });
    await c.updateOne({ _id: 1 }, { $rename: { old: 'renamed', 's.inner': 'top' } });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, keep: 1, s: {}, renamed: 'v', top: 2 });
  });

  it('$currentDate sets a Date', async () => {
    await c.insertOne({ _id: 1 });
    const before = Date.now();
    await c.updateOne({ _id: 1 }, <any>{ $currentDate: { at: true, at2: { $type: 'date' } } });
    const doc = await c.findOne({ _id: 1 });
    expect(doc!.at).toBeInstanceOf(Date);
    expect(doc!.at2).toBeInstanceOf(Date);
    expect(doc!.at.getTime()).toBeGreaterThanOrEqual(before - 5000);
    expect(doc!.at.getTime()).toBeLessThanOrEqual(Date.now() + 5000);
  });

  it('$set past the end of an array pads with null; $unset of an element sets it to null', async () => {
    await c.insertOne({ _id: 1, arr: [1, 2] });
    await c.updateOne({ _id: 1 }, { $set: { 'arr.4': 5 } });
    expect((await c.findOne({ _id: 1 }))!.arr).toEqual([1, 2, null, null, 5]);
    await c.updateOne({ _id: 1 }, { $unset: { 'arr.0': '' } });
    expect((await c.findOne({ _id: 1 }))!.arr).toEqual([null, 2, null, null, 5]);
  });

  it('$set through a scalar is PathNotViable (28)', async () => {
    await c.insertOne({ _id: 1, a: 1 });
    const err = await errorOf(() => c.updateOne({ _id: 1 }, { $set: { 'a.b': 1 } }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(28);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: 1 });
  });

  it('replaceOne that changes _id is ImmutableField (66)', async () => {
    await c.insertOne({ _id: 1, a: 1 });
    const err = await errorOf(() => c.replaceOne({ _id: 1 }, { _id: 2, a: 2 }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(66);
  });

  it('an array _id is rejected', async () => {
    await expect(c.insertOne({ _id: [1, 2] })).rejects.toBeInstanceOf(MongoServerError);
    expect(await c.countDocuments()).toBe(0);
  });

  it('updateMany updates every match', async () => {
    await c.insertMany([
      { _id: 1, g: 'a', n: 0 },
      { _id: 2, g: 'a', n: 0 },
      { _id: 3, g: 'b', n: 0 },
    ]);
    const r = await c.updateMany({ g: 'a' }, { $inc: { n: 1 } });
    expect(r.matchedCount).toBe(2);
    expect(r.modifiedCount).toBe(2);
    expect((await c.find().sort({ _id: 1 }).toArray()).map((d) => d.n)).toEqual([1, 1, 0]);
  });

  it('upsert inserts with the query equality fields and $setOnInsert, and reports the upserted id', async () => {
    const first = await c.updateOne(
      { key: 'k1', 'meta.kind': 'z' },
      { $set: { val: 1 }, $setOnInsert: { createdBy: 'first' } },
      { upsert: true },
    );
    expect(first.matchedCount).toBe(0);
    expect(first.modifiedCount).toBe(0);
    expect(first.upsertedCount).toBe(1);
    expect(first.upsertedId).toBeInstanceOf(ObjectId);
    const doc = await c.findOne({ key: 'k1' });
    expect(doc).toEqual({ _id: first.upsertedId, key: 'k1', meta: { kind: 'z' }, val: 1, createdBy: 'first' });

    const second = await c.updateOne(
      { key: 'k1', 'meta.kind': 'z' },
      { $set: { val: 2 }, $setOnInsert: { createdBy: 'second' } },
      { upsert: true },
    );
    expect(second.matchedCount).toBe(1);
    expect(second.modifiedCount).toBe(1);
    expect(second.upsertedCount).toBe(0);
    expect(second.upsertedId).toBeNull();
    expect(await c.findOne({ key: 'k1' })).toEqual({ ...doc, val: 2 });
    expect(await c.countDocuments()).toBe(1);
  });

  it('upsert copies only equality conditions from the query into the new document', async () => {
    const r = await c.updateOne(
      { name: 'x', k: { $gt: 5 }, e: { $eq: 3 }, $and: [{ z: 9 }] },
      { $set: { a: 1 } },
      { upsert: true },
    );
    expect(r.upsertedCount).toBe(1);
    const doc = await c.findOne({ _id: r.upsertedId });
    expect(doc).toEqual({ _id: r.upsertedId, name: 'x', e: 3, z: 9, a: 1 });
  });

  it('upsert with an _id in the query uses that _id', async () => {
    const r = await c.updateOne({ _id: 'given' }, { $inc: { n: 1 } }, { upsert: true });
    expect(r.upsertedId).toBe('given');
    expect(await c.findOne({ _id: 'given' })).toEqual({ _id: 'given', n: 1 });
  });

  it('upsert via updateMany and via replaceOne', async () => {
    const m = await c.updateMany({ g: 'new' }, { $set: { x: 1 } }, { upsert: true });
    expect(m.upsertedCount).toBe(1);
    const r = await c.replaceOne({ name: 'r' }, { name: 'r', v: 2 }, { upsert: true });
    expect(r.upsertedCount).toBe(1);
    expect(r.upsertedId).toBeInstanceOf(ObjectId);
    expect(await c.findOne({ _id: r.upsertedId! })).toEqual({ _id: r.upsertedId, name: 'r', v: 2 });
  });

  it('positional $ updates the first matching array element', async () => {
    await c.insertOne({
      _id: 1,
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 1 },
        { sku: 'c', qty: 1 },
      ],
    });
    const r = await c.updateOne({ _id: 1, 'items.sku': 'b' }, { $set: { 'items.$.qty': 5 } });
    expect(r.modifiedCount).toBe(1);
    expect((await c.findOne({ _id: 1 }))!.items).toEqual([
      { sku: 'a', qty: 1 },
      { sku: 'b', qty: 5 },
      { sku: 'c', qty: 1 },
    ]);
    await c.updateOne({ _id: 1, 'items.qty': 1 }, { $inc: { 'items.$.qty': 10 } });
    expect((await c.findOne({ _id: 1 }))!.items.map((i: Document) => i.qty)).toEqual([11, 5, 1]);
    await c.updateOne({ _id: 1 }, { $set: { 'items.$[].flag': true } });
    expect((await c.findOne({ _id: 1 }))!.items.every((i: Document) => i.flag === true)).toBe(true);
    await c.updateOne({ _id: 1 }, { $set: { 'items.$[el].qty': 0 } }, { arrayFilters: [{ 'el.qty': { $lt: 6 } }] });
    expect((await c.findOne({ _id: 1 }))!.items.map((i: Document) => i.qty)).toEqual([11, 0, 0]);
  });

  it('replaceOne keeps _id and drops other fields', async () => {
    await c.insertOne({ _id: 1, a: 1, b: 2 });
    const r = await c.replaceOne({ _id: 1 }, { c: 3 });
    expect(r.matchedCount).toBe(1);
    expect(r.modifiedCount).toBe(1);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, c: 3 });
  });

  it('pipeline-style update', async () => {
    await c.insertOne({ _id: 1, a: 2, b: 3 });
    await c.updateOne({ _id: 1 }, [{ $set: { sum: { $add: ['$a', '$b'] } } }]);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: 2, b: 3, sum: 5 });
  });

  it('deleteOne and deleteMany', async () => {
    await c.insertMany([
      { _id: 1, g: 'a' },
      { _id: 2, g: 'a' },
      { _id: 3, g: 'a' },
      { _id: 4, g: 'b' },
    ]);
    expect((await c.deleteOne({ g: 'a' })).deletedCount).toBe(1);
    expect(await c.countDocuments({ g: 'a' })).toBe(2);
    expect((await c.deleteMany({ g: 'a' })).deletedCount).toBe(2);
    expect((await c.deleteMany({ g: 'zzz' })).deletedCount).toBe(0);
    expect(ids(await c.find().toArray())).toEqual([4]);
    expect((await c.deleteMany({})).deletedCount).toBe(1);
    expect(await c.countDocuments()).toBe(0);
  });
});

describe('update errors', () => {
  let c: Collection<any>;
  beforeAll(async () => {
    c = freshColl('upderr');
    await c.insertOne({ _id: 1, s: 'text', n: 1 });
  });

  it('an unknown update operator is FailedToParse (9)', async () => {
    const err = await errorOf(() => c.updateOne({ _id: 1 }, { $foo: { n: 1 } } as never));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(9);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, s: 'text', n: 1 });
  });

  it('$inc on a non-number is TypeMismatch (14)', async () => {
    const err = await errorOf(() => c.updateOne({ _id: 1 }, { $inc: { s: 1 } }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(14);
  });

  it('modifying _id is ImmutableField (66)', async () => {
    const err = await errorOf(() => c.updateOne({ _id: 1 }, { $set: { _id: 2 } }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(66);
    expect(await c.countDocuments({ _id: 1 })).toBe(1);
  });

  it('two operators on the same path conflict (40)', async () => {
    const err = await errorOf(() => c.updateOne({ _id: 1 }, { $set: { n: 5 }, $inc: { n: 1 } }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(40);
    expect((await c.findOne({ _id: 1 }))!.n).toBe(1);
  });
});

describe('findAndModify', () => {
  let c: Collection<any>;
  beforeEach(async () => {
    c = freshColl('fam');
    await c.insertMany([
      { _id: 1, g: 'a', n: 1, extra: 'e1' },
      { _id: 2, g: 'a', n: 2, extra: 'e2' },
      { _id: 3, g: 'b', n: 3, extra: 'e3' },
    ]);
  });

  it('findOneAndUpdate returns the document before (default) or after', async () => {
    const before = await c.findOneAndUpdate({ _id: 1 }, { $inc: { n: 10 } });
    expect(before).toEqual({ _id: 1, g: 'a', n: 1, extra: 'e1' });
    const after = await c.findOneAndUpdate({ _id: 1 }, { $inc: { n: 10 } }, { returnDocument: 'after' });
    expect(after).toEqual({ _id: 1, g: 'a', n: 21, extra: 'e1' });
    expect(await c.findOneAndUpdate({ _id: 99 }, { $set: { n: 0 } })).toBeNull();
  });

  it('findOneAndUpdate honours sort and projection', async () => {
    const top = await c.findOneAndUpdate(
      { g: 'a' },
      { $set: { picked: true } },
      { sort: { n: -1 }, projection: { n: 1, picked: 1 }, returnDocument: 'after' },
    );
    expect(top).toEqual({ _id: 2, n: 2, picked: true });
    const low = await c.findOneAndUpdate(
      { g: 'a' },
      { $set: { low: true } },
      { sort: { n: 1 }, projection: { _id: 1 } },
    );
    expect(low).toEqual({ _id: 1 });
    expect(await c.countDocuments({ picked: true })).toBe(1);
    expect((await c.findOne({ _id: 1 }))!.low).toBe(true);
  });

  it('findOneAndUpdate upsert', async () => {
    const created = await c.findOneAndUpdate(
      { g: 'new' },
      { $set: { n: 9 }, $setOnInsert: { fresh: true } },
      { upsert: true, returnDocument: 'after' },
    );
    expect(created).toMatchObject({ g: 'new', n: 9, fresh: true });
    expect(created!._id).toBeInstanceOf(ObjectId);
    const beforeUpsert = await c.findOneAndUpdate({ g: 'newer' }, { $set: { n: 1 } }, { upsert: true });
    expect(beforeUpsert).toBeNull();
    expect(await c.countDocuments({ g: 'newer' })).toBe(1);
  });

  it('findOneAndUpdate with includeResultMetadata reports lastErrorObject', async () => {
    const res = await c.findOneAndUpdate(
      { g: 'meta' },
      { $set: { n: 1 } },
      { upsert: true, returnDocument: 'after', includeResultMetadata: true },
    );
    expect(res.ok).toBe(1);
    expect(res.lastErrorObject?.updatedExisting).toBe(false);
    expect(res.lastErrorObject?.upserted).toBeInstanceOf(ObjectId);
    const res2 = await c.findOneAndUpdate({ _id: 3 }, { $set: { n: 4 } }, { includeResultMetadata: true });
    expect(res2.lastErrorObject?.updatedExisting).toBe(true);
    expect(res2.lastErrorObject?.n).toBe(1);
    expect(res2.value).toMatchObject({ _id: 3, n: 3 });
  });

  it('findOneAndDelete returns the removed document', async () => {
    const removed = await c.findOneAndDelete({ g: 'a' }, { sort: { n: -1 } });
    expect(removed).toEqual({ _id: 2, g: 'a', n: 2, extra: 'e2' });
    expect(await c.countDocuments()).toBe(2);
    expect(await c.findOneAndDelete({ g: 'zzz' })).toBeNull();
  });

  it('findOneAndReplace', async () => {
    const before = await c.findOneAndReplace({ _id: 3 }, { g: 'c', replaced: true });
    expect(before).toEqual({ _id: 3, g: 'b', n: 3, extra: 'e3' });
    const after = await c.findOneAndReplace({ _id: 3 }, { g: 'd' }, { returnDocument: 'after' });
    expect(after).toEqual({ _id: 3, g: 'd' });
  });
});

describe('unacknowledged writes (w:0)', () => {
  it('are applied and become visible to later reads', async () => {
    const c = freshColl('w0');
    await c.insertMany([{ _id: 0, n: 0 }, { _id: 'gone' }]);
    // independent operations, so the test does not depend on their relative order
    const r = await c.insertOne({ _id: 1 }, { writeConcern: { w: 0 } });
    expect(r.acknowledged).toBe(false);
    await c.updateOne({ _id: 0 }, { $inc: { n: 1 } }, { writeConcern: { w: 0 } });
    await c.insertMany([{ _id: 2 }, { _id: 3 }], { writeConcern: { w: 0 } });
    await c.deleteOne({ _id: 'gone' }, { writeConcern: { w: 0 } });
    const expected = [{ _id: 0, n: 1 }, { _id: 1 }, { _id: 2 }, { _id: 3 }];
    const seen = await eventually(async () => {
      const docs = await c.find({}).toArray();
      docs.sort((a, b) => String(a._id).localeCompare(String(b._id)));
      return JSON.stringify(docs) === JSON.stringify(expected) ? docs : null;
    });
    expect(seen).toEqual(expected);
  });
});

describe('mongoose CRUD', () => {
  interface Item {
    title: string;
    price: number;
    tags: string[];
    owner?: mongoose.Types.ObjectId;
  }
  let Item: mongoose.Model<Item>;
  beforeAll(() => {
    const { conn } = fixture.get();
    Item = conn.model<Item>(
      'CrudItem',
      new mongoose.Schema<Item>({
        title: { type: String, required: true },
        price: Number,
        tags: [String],
        owner: mongoose.Schema.Types.ObjectId,
      }),
    );
  });

  it('create / find / sort / skip / limit / lean / countDocuments', async () => {
    await Item.create([
      { title: 'a', price: 10, tags: ['x'] },
      { title: 'b', price: 20, tags: ['x', 'y'] },
      { title: 'c', price: 15, tags: [] },
    ]);
    const sorted = await Item.find({ price: { $gte: 10 } })
      .sort({ price: -1 })
      .skip(1)
      .limit(1)
      .lean();
    expect(sorted.map((d) => d.title)).toEqual(['c']);
    expect(await Item.countDocuments({ tags: 'x' })).toBe(2);
    const one = await Item.findOne({ title: 'b' });
    expect(one).not.toBeNull();
    expect(one!.tags).toEqual(['x', 'y']);
    expect(one!._id).toBeInstanceOf(mongoose.Types.ObjectId);
  });

  it('updateOne / findOneAndUpdate({new:true}) / deleteOne / exists', async () => {
    const doc = await Item.create({ title: 'u', price: 1, tags: [] });
    const r = await Item.updateOne({ _id: doc._id }, { $inc: { price: 2 }, $push: { tags: 't' } });
    expect(r.modifiedCount).toBe(1);
    const updated = await Item.findOneAndUpdate(
      { _id: doc._id },
      { $set: { title: 'u2' } },
      { returnDocument: 'after' },
    );
    expect(updated!.title).toBe('u2');
    expect(updated!.price).toBe(3);
    expect(updated!.tags).toEqual(['t']);
    expect(await Item.exists({ _id: doc._id })).toEqual({ _id: doc._id });
    expect((await Item.deleteOne({ _id: doc._id })).deletedCount).toBe(1);
    expect(await Item.exists({ _id: doc._id })).toBeNull();
  });

  it('doc.save() updates only modified paths', async () => {
    const doc = await Item.create({ title: 's', price: 5, tags: ['a'] });
    // change another field behind mongoose's back; save must not clobber it
    await Item.collection.updateOne({ _id: doc._id }, { $set: { price: 6 } });
    doc.title = 's2';
    await doc.save();
    const back = await Item.findById(doc._id).lean();
    expect(back).toMatchObject({ title: 's2', price: 6, tags: ['a'] });
  });
});
