/* eslint-disable @typescript-eslint/no-explicit-any -- documents under test are schemaless */
/**
 * Index management and unique constraints (single, compound, sparse, partial, multikey),
 * and the shape of duplicate-key errors through the driver and mongoose.
 */
import { Collection, MongoBulkWriteError, MongoServerError, Int32, Long, Double, ObjectId } from 'mongodb';
import mongoose from 'mongoose';
import { errorOf, useFixture } from './target';

const fixture = useFixture('indexes');

let seq = 0;
function freshColl(name: string): Collection<any> {
  seq += 1;
  return fixture.get().db.collection(`${name}_${seq}`);
}

function expectDuplicateKey(err: any, keyPattern?: Record<string, unknown>, keyValue?: Record<string, unknown>) {
  expect(err).toBeInstanceOf(MongoServerError);
  expect(err.code).toBe(11000);
  expect(String(err.message)).toMatch(/E11000 duplicate key error/);
  if (keyPattern) expect(err.keyPattern).toEqual(keyPattern);
  if (keyValue) expect(err.keyValue).toEqual(keyValue);
}

describe('index management', () => {
  it('createIndex / listIndexes / dropIndex', async () => {
    const c = freshColl('mgmt');
    await c.insertOne({ a: 1, b: 2 });
    expect(await c.createIndex({ a: 1 })).toBe('a_1');
    expect(await c.createIndex({ a: 1, b: -1 }, { unique: true })).toBe('a_1_b_-1');
    expect(await c.createIndex({ b: 1 }, { name: 'custom_b' })).toBe('custom_b');
    // creating an identical index again is a no-op that returns the same name
    expect(await c.createIndex({ a: 1 })).toBe('a_1');

    const list = await c.listIndexes().toArray();
    expect(list.map((i) => i.name).sort()).toEqual(['_id_', 'a_1', 'a_1_b_-1', 'custom_b']);
    const byName = new Map(list.map((i) => [i.name, i]));
    expect(byName.get('_id_')!.key).toEqual({ _id: 1 });
    expect(byName.get('a_1_b_-1')!.key).toEqual({ a: 1, b: -1 });
    expect(byName.get('a_1_b_-1')!.unique).toBe(true);
    expect(byName.get('a_1')!.unique).toBeUndefined();
    expect(byName.get('custom_b')!.key).toEqual({ b: 1 });
    expect(byName.get('a_1')!.v).toBe(2);

    expect(await c.indexExists('custom_b')).toBe(true);
    await c.dropIndex('custom_b');
    await c.dropIndex({ a: 1 } as never);
    expect((await c.listIndexes().toArray()).map((i) => i.name).sort()).toEqual(['_id_', 'a_1_b_-1']);
    await c.dropIndexes();
    expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
  });

  it('createIndexes (several at once) via the raw command', async () => {
    const c = freshColl('multi');
    const { db } = fixture.get();
    const res = await db.command({
      createIndexes: c.collectionName,
      indexes: [
        { key: { x: 1 }, name: 'x_1' },
        { key: { y: -1 }, name: 'y_-1', unique: true },
      ],
    });
    expect(res.ok).toBe(1);
    expect(res.numIndexesAfter - res.numIndexesBefore).toBe(2);
    expect((await c.listIndexes().toArray()).map((i) => i.name).sort()).toEqual(['_id_', 'x_1', 'y_-1']);
  });

  it('dropping a missing index is IndexNotFound (27); the _id index cannot be dropped', async () => {
    const c = freshColl('dropmissing');
    await c.insertOne({ a: 1 });
    const err = await errorOf(() => c.dropIndex('nope_1'));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(27);
    await expect(c.dropIndex('_id_')).rejects.toBeInstanceOf(MongoServerError);
  });

  it('listIndexes on a missing collection is NamespaceNotFound (26)', async () => {
    const err = await errorOf(() => freshColl('missing').listIndexes().toArray());
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(26);
  });

  it('indexes are reported with their options', async () => {
    const c = freshColl('opts');
    await c.createIndex({ s: 1 }, { unique: true, sparse: true });
    await c.createIndex({ p: 1 }, { unique: true, partialFilterExpression: { status: 'live' } });
    await c.createIndex({ t: 1 }, { expireAfterSeconds: 3600 });
    const byName = new Map((await c.listIndexes().toArray()).map((i) => [i.name, i]));
    expect(byName.get('s_1')).toMatchObject({ unique: true, sparse: true });
    expect(byName.get('p_1')).toMatchObject({ unique: true, partialFilterExpression: { status: 'live' } });
    expect(byName.get('t_1')).toMatchObject({ expireAfterSeconds: 3600 });
  });
});

describe('unique indexes', () => {
  it('single-field unique: duplicate insert fails with keyPattern and keyValue', async () => {
    const c = freshColl('uniq');
    await c.createIndex({ email: 1 }, { unique: true });
    await c.insertOne({ email: 'a@x.io' });
    const err = await errorOf(() => c.insertOne({ email: 'a@x.io' }));
    expectDuplicateKey(err, { email: 1 }, { email: 'a@x.io' });
    expect(err.message).toMatch(/index: email_1 dup key/);
    expect(await c.countDocuments()).toBe(1);
  });

  it('numbers of different types are the same key', async () => {
    const c = freshColl('uniqnum');
    await c.createIndex({ n: 1 }, { unique: true });
    await c.insertOne({ n: new Int32(1) });
    expectDuplicateKey(await errorOf(() => c.insertOne({ n: new Double(1) })), { n: 1 });
    expectDuplicateKey(await errorOf(() => c.insertOne({ n: Long.fromNumber(1) })), { n: 1 });
    await c.insertOne({ n: 1.5 });
    expect(await c.countDocuments()).toBe(2);
  });

  it('missing field counts as null in a non-sparse unique index', async () => {
    const c = freshColl('uniqnull');
    await c.createIndex({ k: 1 }, { unique: true });
    await c.insertOne({ other: 1 });
    expectDuplicateKey(await errorOf(() => c.insertOne({ other: 2 })), { k: 1 }, { k: null });
    expectDuplicateKey(await errorOf(() => c.insertOne({ k: null })), { k: 1 }, { k: null });
  });

  it('compound unique index', async () => {
    const c = freshColl('compound');
    await c.createIndex({ a: 1, b: 1 }, { unique: true });
    await c.insertMany([
      { a: 1, b: 1 },
      { a: 1, b: 2 },
      { a: 2, b: 1 },
    ]);
    expectDuplicateKey(await errorOf(() => c.insertOne({ a: 1, b: 2 })), { a: 1, b: 1 }, { a: 1, b: 2 });
    await c.insertOne({ a: 1 }); // (1, null)
    expectDuplicateKey(await errorOf(() => c.insertOne({ a: 1, b: null })), { a: 1, b: 1 }, { a: 1, b: null });
  });

  it('multikey unique index: arrays conflict on any shared element, not with themselves', async () => {
    const c = freshColl('multikey');
    await c.createIndex({ tags: 1 }, { unique: true });
    await c.insertOne({ tags: ['a', 'b', 'b'] });
    expectDuplicateKey(await errorOf(() => c.insertOne({ tags: ['c', 'b'] })), { tags: 1 });
    await c.insertOne({ tags: ['c', 'd'] });
    expectDuplicateKey(await errorOf(() => c.insertOne({ tags: 'a' })), { tags: 1 }, { tags: 'a' });
  });

  it('sparse unique allows many missing, not two equal values', async () => {
    const c = freshColl('sparse');
    await c.createIndex({ s: 1 }, { unique: true, sparse: true });
    await c.insertMany([{ x: 1 }, { x: 2 }, { s: 'v' }]);
    expectDuplicateKey(await errorOf(() => c.insertOne({ s: 'v' })), { s: 1 }, { s: 'v' });
    expect(await c.countDocuments()).toBe(3);
  });

  it('partial unique (live statuses only), the orders-service pattern', async () => {
    const c = freshColl('partial');
    const live = ['created', 'awaiting:payment', 'complete'];
    await c.createIndex(
      { ticketId: 1 },
      { unique: true, partialFilterExpression: { status: { $in: live } }, name: 'one_live_order_per_ticket' },
    );
    const ticketId = new ObjectId();
    await c.insertOne({ ticketId, status: 'cancelled' });
    await c.insertOne({ ticketId, status: 'cancelled' });
    const { insertedId: liveId } = await c.insertOne({ ticketId, status: 'created' });
    // a second live order for the same ticket is refused
    const err = await errorOf(() => c.insertOne({ ticketId, status: 'awaiting:payment' }));
    expectDuplicateKey(err, { ticketId: 1 }, { ticketId });
    expect(err.message).toMatch(/one_live_order_per_ticket/);
    // another ticket is fine
    await c.insertOne({ ticketId: new ObjectId(), status: 'created' });
    // reviving a cancelled order while another is live is refused
    expectDuplicateKey(
      await errorOf(() => c.updateOne({ ticketId, status: 'cancelled' }, { $set: { status: 'created' } })),
      { ticketId: 1 },
    );
    // cancelling the live one frees the ticket
    await c.updateOne({ _id: liveId }, { $set: { status: 'cancelled' } });
    await c.insertOne({ ticketId, status: 'created' });
    expect(await c.countDocuments({ ticketId })).toBe(4);
    expect(await c.countDocuments({ ticketId, status: { $in: live } })).toBe(1);
  });

  it('duplicate _id is 11000 on the _id_ index', async () => {
    const c = freshColl('dupid');
    await c.insertOne({ _id: 'same' as never });
    const err = await errorOf(() => c.insertOne({ _id: 'same' as never }));
    expectDuplicateKey(err, { _id: 1 }, { _id: 'same' });
    const oid = new ObjectId();
    await c.insertOne({ _id: oid });
    expectDuplicateKey(await errorOf(() => c.insertOne({ _id: oid })), { _id: 1 }, { _id: oid });
  });

  it('creating a unique index over existing duplicates fails with 11000 and creates nothing', async () => {
    const c = freshColl('existingdups');
    await c.insertMany([{ k: 1 }, { k: 2 }, { k: 1 }]);
    const err = await errorOf(() => c.createIndex({ k: 1 }, { unique: true }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(11000);
    expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
    // and inserts are not constrained afterwards
    await c.insertOne({ k: 2 });
    expect(await c.countDocuments({ k: 2 })).toBe(2);
  });
});

describe('duplicate key through every write path', () => {
  let c: Collection<any>;
  beforeEach(async () => {
    c = freshColl('paths');
    await c.createIndex({ code: 1 }, { unique: true });
    await c.insertMany([
      { _id: 1, code: 'A' },
      { _id: 2, code: 'B' },
    ]);
  });

  it('insertMany (ordered): MongoBulkWriteError with writeErrors[].index', async () => {
    const err = await errorOf(() => c.insertMany([{ code: 'C' }, { code: 'A' }, { code: 'D' }]));
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    expect(err.code).toBe(11000);
    expect(err.writeErrors).toHaveLength(1);
    expect(err.writeErrors[0].index).toBe(1);
    expect(err.writeErrors[0].code).toBe(11000);
    expect(err.insertedCount).toBe(1);
    expect((await c.find().sort({ code: 1 }).toArray()).map((d) => d.code)).toEqual(['A', 'B', 'C']);
  });

  it('insert command write errors carry keyPattern and keyValue', async () => {
    const { db } = fixture.get();
    const res = await db.command({ insert: c.collectionName, documents: [{ code: 'E' }, { code: 'B' }] });
    expect(res.n).toBe(1);
    expect(res.writeErrors).toHaveLength(1);
    expect(res.writeErrors[0]).toMatchObject({
      index: 1,
      code: 11000,
      keyPattern: { code: 1 },
      keyValue: { code: 'B' },
    });
  });

  it('updateOne / updateMany / replaceOne', async () => {
    expectDuplicateKey(
      await errorOf(() => c.updateOne({ _id: 2 }, { $set: { code: 'A' } })),
      { code: 1 },
      { code: 'A' },
    );
    expectDuplicateKey(await errorOf(() => c.replaceOne({ _id: 2 }, { code: 'A' })), { code: 1 }, { code: 'A' });
    // upsert that would insert a duplicate
    expectDuplicateKey(
      await errorOf(() => c.updateOne({ _id: 3 }, { $set: { code: 'B' } }, { upsert: true })),
      { code: 1 },
      { code: 'B' },
    );
    expect((await c.find().sort({ _id: 1 }).toArray()).map((d) => d.code)).toEqual(['A', 'B']);
    // a multi-update is not atomic: the first document it reaches changes, the second fails
    expectDuplicateKey(await errorOf(() => c.updateMany({}, { $set: { code: 'Z' } })), { code: 1 }, { code: 'Z' });
    const codes = (await c.find().toArray()).map((d) => d.code).sort();
    expect(codes).toHaveLength(2);
    expect(codes.filter((x) => x === 'Z')).toHaveLength(1);
  });

  it('findOneAndUpdate / findOneAndReplace', async () => {
    expectDuplicateKey(
      await errorOf(() => c.findOneAndUpdate({ _id: 2 }, { $set: { code: 'A' } })),
      { code: 1 },
      { code: 'A' },
    );
    expectDuplicateKey(await errorOf(() => c.findOneAndReplace({ _id: 1 }, { code: 'B' })), { code: 1 }, { code: 'B' });
    expect((await c.findOne({ _id: 2 }))!.code).toBe('B');
  });

  it('bulkWrite', async () => {
    const err = await errorOf(() =>
      c.bulkWrite(
        [
          { insertOne: { document: { code: 'X' } } },
          { updateOne: { filter: { _id: 1 }, update: { $set: { code: 'B' } } } },
          { insertOne: { document: { code: 'Y' } } },
        ],
        { ordered: false },
      ),
    );
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    expect(err.writeErrors).toHaveLength(1);
    expect(err.writeErrors[0].index).toBe(1);
    expect(err.writeErrors[0].code).toBe(11000);
    expect(await c.countDocuments()).toBe(4);
  });
});

describe('duplicate key through mongoose', () => {
  interface User {
    email: string;
    name?: string;
  }
  let User: mongoose.Model<User>;
  beforeAll(async () => {
    const { conn } = fixture.get();
    User = conn.model<User>(
      'IdxUser',
      new mongoose.Schema<User>({ email: { type: String, required: true, unique: true }, name: String }),
    );
    await User.createCollection();
    await User.syncIndexes();
    await User.create({ email: 'taken@x.io', name: 'first' });
  });

  it('Model.create', async () => {
    const err = await errorOf(() => User.create({ email: 'taken@x.io' }));
    expectDuplicateKey(err, { email: 1 }, { email: 'taken@x.io' });
  });

  it('doc.save() of a new document and of a modified one', async () => {
    expectDuplicateKey(await errorOf(() => new User({ email: 'taken@x.io' }).save()), { email: 1 });
    const other = await User.create({ email: 'other@x.io' });
    other.email = 'taken@x.io';
    expectDuplicateKey(await errorOf(() => other.save()), { email: 1 }, { email: 'taken@x.io' });
  });

  it('Model.insertMany (ordered and unordered)', async () => {
    const err = await errorOf(() =>
      User.insertMany([{ email: 'n1@x.io' }, { email: 'taken@x.io' }, { email: 'n2@x.io' }]),
    );
    expect(err.code).toBe(11000);
    expect(await User.countDocuments({ email: 'n1@x.io' })).toBe(1);
    expect(await User.countDocuments({ email: 'n2@x.io' })).toBe(0);

    const err2 = await errorOf(() =>
      User.insertMany([{ email: 'taken@x.io' }, { email: 'n3@x.io' }], { ordered: false }),
    );
    expect(err2.code).toBe(11000);
    expect(err2.writeErrors?.[0]?.index ?? err2.writeErrors?.index).toBe(0);
    expect(await User.countDocuments({ email: 'n3@x.io' })).toBe(1);
  });

  it('Model.updateOne and findOneAndUpdate', async () => {
    await User.create({ email: 'u@x.io' });
    expectDuplicateKey(await errorOf(() => User.updateOne({ email: 'u@x.io' }, { email: 'taken@x.io' })), { email: 1 });
    expectDuplicateKey(
      await errorOf(() =>
        User.findOneAndUpdate({ email: 'u@x.io' }, { email: 'taken@x.io' }, { returnDocument: 'after' }),
      ),
      { email: 1 },
      { email: 'taken@x.io' },
    );
  });
});
