/* eslint-disable @typescript-eslint/no-explicit-any -- documents under test are schemaless */
/**
 * Aggregation pipeline stages and accumulators used by the services, through the
 * driver and mongoose, including cursors over small batches.
 */
import { Collection, Document, Long, ObjectId } from 'mongodb';
import mongoose from 'mongoose';
import { useFixture } from './target';

const fixture = useFixture('aggregate');

const t1 = new ObjectId('65a000000000000000000001');
const t2 = new ObjectId('65a000000000000000000002');
const t3 = new ObjectId('65a000000000000000000003');
const u1 = new ObjectId('65b000000000000000000001');
const u2 = new ObjectId('65b000000000000000000002');

let tickets: Collection<any>;
let orders: Collection<any>;

beforeAll(async () => {
  const { db } = fixture.get();
  tickets = db.collection('tickets');
  orders = db.collection('orders');
  await tickets.insertMany([
    { _id: t1, title: 'concert', price: 20, userId: u1 },
    { _id: t2, title: 'match', price: 35.5, userId: u1 },
    { _id: t3, title: 'opera', price: 80, userId: u2 },
  ]);
  await orders.insertMany([
    { _id: 1, ticket: t1, userId: u2, status: 'complete', qty: 2, at: new Date('2024-01-01T10:00:00Z') },
    { _id: 2, ticket: t1, userId: u2, status: 'cancelled', qty: 1, at: new Date('2024-01-02T10:00:00Z') },
    { _id: 3, ticket: t2, userId: u2, status: 'created', qty: 3, at: new Date('2024-01-03T10:00:00Z') },
    { _id: 4, ticket: t3, userId: u1, status: 'complete', qty: 1, at: new Date('2024-01-04T10:00:00Z') },
    { _id: 5, ticket: t1, userId: u1, status: 'complete', qty: 4, at: new Date('2024-01-05T10:00:00Z') },
    { _id: 6, ticket: new ObjectId(), userId: u1, status: 'cancelled', qty: 1, at: new Date('2024-01-06T10:00:00Z') },
  ]);
});

const agg = (c: Collection<any>, pipeline: Document[]) => c.aggregate(pipeline).toArray();

describe('aggregate stages', () => {
  it('$match $sort $skip $limit', async () => {
    const res = await agg(orders, [
      { $match: { status: 'complete' } },
      { $sort: { qty: -1 } },
      { $skip: 1 },
      { $limit: 1 },
    ]);
    expect(res.map((d) => d._id)).toEqual([1]);
  });

  it('$count', async () => {
    expect(await agg(orders, [{ $match: { status: { $ne: 'cancelled' } } }, { $count: 'n' }])).toEqual([{ n: 4 }]);
    // no input documents → no output document
    expect(await agg(orders, [{ $match: { status: 'nope' } }, { $count: 'n' }])).toEqual([]);
  });

  it('$group by an ObjectId with $sum $avg $min $max $push $first', async () => {
    const res = await agg(orders, [
      { $match: { status: { $in: ['complete', 'cancelled', 'created'] }, ticket: { $in: [t1, t2, t3] } } },
      { $sort: { at: 1 } },
      {
        $group: {
          _id: '$ticket',
          n: { $sum: 1 },
          qty: { $sum: '$qty' },
          avgQty: { $avg: '$qty' },
          minQty: { $min: '$qty' },
          maxQty: { $max: '$qty' },
          ids: { $push: '$_id' },
          firstStatus: { $first: '$status' },
          lastStatus: { $last: '$status' },
        },
      },
      { $sort: { _id: 1 } },
    ]);
    expect(res).toHaveLength(3);
    expect(res[0]._id).toBeInstanceOf(ObjectId);
    expect(res[0]._id.equals(t1)).toBe(true);
    expect(res[0]).toMatchObject({
      n: 3,
      qty: 7,
      minQty: 1,
      maxQty: 4,
      ids: [1, 2, 5],
      firstStatus: 'complete',
      lastStatus: 'complete',
    });
    expect(res[0].avgQty).toBeCloseTo(7 / 3, 10);
    expect(res[1]._id.equals(t2)).toBe(true);
    expect(res[1]).toMatchObject({ n: 1, qty: 3, avgQty: 3, ids: [3] });
    expect(res[2]._id.equals(t3)).toBe(true);
  });

  it('$group with _id null and a compound _id', async () => {
    expect(await agg(orders, [{ $group: { _id: null, total: { $sum: '$qty' } } }])).toEqual([{ _id: null, total: 12 }]);
    const res = await agg(orders, [
      { $group: { _id: { user: '$userId', status: '$status' }, n: { $sum: 1 } } },
      { $match: { '_id.status': 'complete' } },
      { $sort: { n: -1 } },
    ]);
    expect(res).toHaveLength(2);
    expect(res[0].n).toBe(2);
    expect(res[0]._id.user.equals(u1)).toBe(true);
    expect(res[1].n).toBe(1);
  });

  it('$project (inclusion, exclusion, computed) and $addFields', async () => {
    const res = await agg(tickets, [
      { $match: { _id: t2 } },
      { $project: { _id: 0, title: 1, cents: { $multiply: ['$price', 100] }, upper: { $toUpper: '$title' } } },
    ]);
    expect(res).toEqual([{ title: 'match', cents: 3550, upper: 'MATCH' }]);
    const ex = await agg(tickets, [{ $match: { _id: t1 } }, { $project: { userId: 0, price: 0 } }]);
    expect(ex).toEqual([{ _id: t1, title: 'concert' }]);
    const added = await agg(tickets, [
      { $match: { _id: t3 } },
      { $addFields: { expensive: { $gt: ['$price', 50] }, id: { $toString: '$_id' } } },
    ]);
    expect(added).toEqual([{ _id: t3, title: 'opera', price: 80, userId: u2, expensive: true, id: t3.toHexString() }]);
  });

  it('$lookup joins orders to tickets by ObjectId, then $unwind', async () => {
    const res = await agg(orders, [
      { $match: { userId: u2 } },
      { $sort: { _id: 1 } },
      { $lookup: { from: 'tickets', localField: 'ticket', foreignField: '_id', as: 'ticketDoc' } },
      { $unwind: '$ticketDoc' },
      { $project: { _id: 1, title: '$ticketDoc.title', price: '$ticketDoc.price' } },
    ]);
    expect(res).toEqual([
      { _id: 1, title: 'concert', price: 20 },
      { _id: 2, title: 'concert', price: 20 },
      { _id: 3, title: 'match', price: 35.5 },
    ]);
  });

  it('$lookup with no match gives [], and $unwind drops it unless preserveNullAndEmptyArrays', async () => {
    const joined = await agg(orders, [
      { $match: { _id: 6 } },
      { $lookup: { from: 'tickets', localField: 'ticket', foreignField: '_id', as: 't' } },
    ]);
    expect(joined).toHaveLength(1);
    expect(joined[0].t).toEqual([]);
    const dropped = await agg(orders, [
      { $match: { _id: 6 } },
      { $lookup: { from: 'tickets', localField: 'ticket', foreignField: '_id', as: 't' } },
      { $unwind: '$t' },
    ]);
    expect(dropped).toEqual([]);
    const kept = await agg(orders, [
      { $match: { _id: 6 } },
      { $lookup: { from: 'tickets', localField: 'ticket', foreignField: '_id', as: 't' } },
      { $unwind: { path: '$t', preserveNullAndEmptyArrays: true } },
      { $project: { _id: 1, t: 1 } },
    ]);
    expect(kept).toEqual([{ _id: 6 }]);
  });

  it('$lookup the other way: tickets with their orders', async () => {
    const res = await agg(tickets, [
      { $lookup: { from: 'orders', localField: '_id', foreignField: 'ticket', as: 'orders' } },
      { $project: { title: 1, n: { $size: '$orders' } } },
      { $sort: { n: -1, title: 1 } },
    ]);
    expect(res.map((d) => [d.title, d.n])).toEqual([
      ['concert', 3],
      ['match', 1],
      ['opera', 1],
    ]);
  });

  it('$unwind of an array field emits one document per element', async () => {
    const c = fixture.get().db.collection<any>('unwind');
    await c.insertMany([{ _id: 1, tags: ['a', 'b', 'c'] }, { _id: 2, tags: [] }, { _id: 3 }]);
    const res = await agg(c, [{ $unwind: '$tags' }, { $sort: { tags: -1 } }]);
    expect(res).toEqual([
      { _id: 1, tags: 'c' },
      { _id: 1, tags: 'b' },
      { _id: 1, tags: 'a' },
    ]);
  });

  it('aggregate results across getMore with a small batchSize', async () => {
    const c = fixture.get().db.collection<any>('aggbatch');
    await c.insertMany(Array.from({ length: 120 }, (_, i) => ({ _id: i, g: i % 3 })));
    const all = await c.aggregate([{ $match: { g: { $ne: 1 } } }, { $sort: { _id: -1 } }], { batchSize: 7 }).toArray();
    expect(all).toHaveLength(80);
    expect(all[0]._id).toBe(119);
    expect(all[79]._id).toBe(0);

    const { db } = fixture.get();
    const first = await db.command({
      aggregate: 'aggbatch',
      pipeline: [{ $sort: { _id: 1 } }],
      cursor: { batchSize: 5 },
    });
    expect(first.cursor.firstBatch.map((d: Document) => d._id)).toEqual([0, 1, 2, 3, 4]);
    expect(String(first.cursor.id)).not.toBe('0');
    const id = first.cursor.id instanceof Long ? first.cursor.id : Long.fromString(String(first.cursor.id));
    const more = await db.command({ getMore: id, collection: 'aggbatch', batchSize: 5 });
    expect(more.cursor.nextBatch.map((d: Document) => d._id)).toEqual([5, 6, 7, 8, 9]);
    await db.command({ killCursors: 'aggbatch', cursors: [id] });
  });

  it('$facet, $addToSet, $sum / $avg of missing values, $replaceRoot', async () => {
    const [res] = await agg(orders, [
      { $match: { ticket: { $in: [t1, t2, t3] } } },
      {
        $facet: {
          total: [{ $count: 'n' }],
          page: [{ $sort: { _id: 1 } }, { $skip: 1 }, { $limit: 2 }, { $project: { _id: 1 } }],
          statuses: [
            {
              $group: {
                _id: null,
                s: { $addToSet: '$status' },
                none: { $sum: '$missing' },
                avgNone: { $avg: '$missing' },
              },
            },
          ],
        },
      },
    ]);
    expect(res.total).toEqual([{ n: 5 }]);
    expect(res.page).toEqual([{ _id: 2 }, { _id: 3 }]);
    expect(res.statuses[0].s.sort()).toEqual(['cancelled', 'complete', 'created']);
    expect(res.statuses[0].none).toBe(0);
    expect(res.statuses[0].avgNone).toBeNull();
    const rr = await agg(orders, [{ $match: { _id: 3 } }, { $replaceRoot: { newRoot: { id: '$_id', s: '$status' } } }]);
    expect(rr).toEqual([{ id: 3, s: 'created' }]);
  });

  it('$lookup with let / pipeline', async () => {
    const res = await agg(tickets, [
      { $match: { _id: t1 } },
      {
        $lookup: {
          from: 'orders',
          let: { tid: '$_id' },
          pipeline: [
            { $match: { $expr: { $and: [{ $eq: ['$ticket', '$$tid'] }, { $eq: ['$status', 'complete'] }] } } },
            { $sort: { _id: 1 } },
            { $project: { _id: 1 } },
          ],
          as: 'completed',
        },
      },
    ]);
    expect(res[0].completed).toEqual([{ _id: 1 }, { _id: 5 }]);
  });

  it('an aggregate with an unknown stage is rejected', async () => {
    await expect(agg(orders, [{ $noSuchStage: {} }])).rejects.toThrow();
  });
});

describe('aggregate through mongoose', () => {
  it('Model.aggregate with $match on a cast ObjectId, $group, $sort', async () => {
    const { conn } = fixture.get();
    const Order = conn.model(
      'AggOrder',
      new mongoose.Schema({
        ticket: mongoose.Schema.Types.ObjectId,
        userId: mongoose.Schema.Types.ObjectId,
        status: String,
        qty: Number,
      }),
      'orders',
    );
    const res = await Order.aggregate<{ _id: mongoose.Types.ObjectId; total: number }>([
      { $match: { userId: new mongoose.Types.ObjectId(u1.toHexString()) } },
      { $group: { _id: '$status', total: { $sum: '$qty' } } },
      { $sort: { _id: 1 } },
    ]);
    expect(res).toEqual([
      { _id: 'cancelled', total: 1 },
      { _id: 'complete', total: 5 },
    ]);
  });
});
