/* eslint-disable @typescript-eslint/no-explicit-any -- documents under test are schemaless */
/**
 * Multi-document transactions: atomic commit across collections, abort, read-your-own-writes,
 * isolation from outsiders, snapshot reads, write conflicts (112 + TransientTransactionError)
 * and the retry loop of withTransaction, duplicate keys inside a transaction; through the
 * driver and mongoose.
 */
import { ClientSession, Collection, MongoServerError } from 'mongodb';
import mongoose from 'mongoose';
import { errorOf, sleep, useFixture } from './target';

const fixture = useFixture('transactions');

let seq = 0;
async function freshPair(): Promise<[Collection<any>, Collection<any>]> {
  seq += 1;
  const { db } = fixture.get();
  // create collections up front: DDL inside transactions is not what is being tested
  const a = await db.createCollection(`tickets_${seq}`);
  const b = await db.createCollection(`orders_${seq}`);
  return [a, b];
}

async function inTxn<T>(session: ClientSession, fn: () => Promise<T>): Promise<T> {
  session.startTransaction({ readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } });
  return fn();
}

describe('driver transactions', () => {
  it('withTransaction commits writes to two collections together', async () => {
    const { client } = fixture.get();
    const [tickets, orders] = await freshPair();
    const session = client.startSession();
    try {
      await session.withTransaction(async () => {
        await tickets.insertOne({ _id: 't1', reserved: true }, { session });
        await orders.insertOne({ _id: 'o1', ticket: 't1' }, { session });
        // not visible outside before commit
        expect(await tickets.findOne({ _id: 't1' })).toBeNull();
        expect(await orders.countDocuments()).toBe(0);
        // visible inside
        expect(await tickets.findOne({ _id: 't1' }, { session })).toEqual({ _id: 't1', reserved: true });
        expect(await orders.countDocuments({}, { session })).toBe(1);
      });
    } finally {
      await session.endSession();
    }
    expect(await tickets.findOne({ _id: 't1' })).toEqual({ _id: 't1', reserved: true });
    expect(await orders.findOne({ _id: 'o1' })).toEqual({ _id: 'o1', ticket: 't1' });
  });

  it('abortTransaction discards every write (inserts, updates, deletes)', async () => {
    const { client } = fixture.get();
    const [tickets, orders] = await freshPair();
    await tickets.insertMany([
      { _id: 'keep', n: 1 },
      { _id: 'del', n: 1 },
    ]);
    const session = client.startSession();
    try {
      await inTxn(session, async () => {
        await tickets.updateOne({ _id: 'keep' }, { $inc: { n: 1 } }, { session });
        await tickets.deleteOne({ _id: 'del' }, { session });
        await orders.insertOne({ _id: 'o' }, { session });
        expect(await tickets.countDocuments({}, { session })).toBe(1);
      });
      await session.abortTransaction();
    } finally {
      await session.endSession();
    }
    expect(await tickets.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'del', n: 1 },
      { _id: 'keep', n: 1 },
    ]);
    expect(await orders.countDocuments()).toBe(0);
  });

  it('an error thrown in the withTransaction callback aborts and propagates', async () => {
    const { client } = fixture.get();
    const [tickets] = await freshPair();
    const session = client.startSession();
    try {
      const err = await errorOf(() =>
        session.withTransaction(async () => {
          await tickets.insertOne({ _id: 'x' }, { session });
          throw new Error('business rule failed');
        }),
      );
      expect(err.message).toBe('business rule failed');
    } finally {
      await session.endSession();
    }
    expect(await tickets.countDocuments()).toBe(0);
  });

  it('an outsider does not see uncommitted writes; commitTransaction publishes them', async () => {
    const { client } = fixture.get();
    const [tickets] = await freshPair();
    await tickets.insertOne({ _id: 1, v: 'old' });
    const session = client.startSession();
    try {
      await inTxn(session, async () => {
        await tickets.updateOne({ _id: 1 }, { $set: { v: 'new' } }, { session });
        await tickets.insertOne({ _id: 2 }, { session });
      });
      expect(await tickets.findOne({ _id: 1 })).toEqual({ _id: 1, v: 'old' });
      expect(await tickets.countDocuments()).toBe(1);
      expect((await tickets.find({ _id: { $gte: 1 } }).toArray()).map((d) => d._id)).toEqual([1]);
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    expect(await tickets.findOne({ _id: 1 })).toEqual({ _id: 1, v: 'new' });
    expect(await tickets.countDocuments()).toBe(2);
  });

  it('snapshot isolation: a concurrent outside commit after the first read is invisible', async () => {
    const { client } = fixture.get();
    const [tickets] = await freshPair();
    await tickets.insertOne({ _id: 'a', n: 1 });
    const session = client.startSession();
    try {
      await inTxn(session, async () => {
        expect(await tickets.findOne({ _id: 'a' }, { session })).toEqual({ _id: 'a', n: 1 });
        // outside writes, committed after the transaction took its snapshot
        await tickets.insertOne({ _id: 'b', n: 1 });
        await tickets.updateOne({ _id: 'a' }, { $set: { n: 2 } });
        expect(await tickets.findOne({ _id: 'b' }, { session })).toBeNull();
        expect(await tickets.countDocuments({}, { session })).toBe(1);
        expect(await tickets.findOne({ _id: 'a' }, { session })).toEqual({ _id: 'a', n: 1 });
        expect((await tickets.find({}, { session }).toArray()).map((d) => d._id)).toEqual(['a']);
      });
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    expect(await tickets.countDocuments()).toBe(2);
    expect(await tickets.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 2 });
  });

  it('two transactions writing the same document: the second gets WriteConflict (112, TransientTransactionError)', async () => {
    const { client } = fixture.get();
    const [tickets] = await freshPair();
    await tickets.insertOne({ _id: 'doc', n: 0 });
    const s1 = client.startSession();
    const s2 = client.startSession();
    try {
      await inTxn(s1, () => tickets.updateOne({ _id: 'doc' }, { $inc: { n: 1 } }, { session: s1 }));
      const err = await errorOf(() =>
        inTxn(s2, () => tickets.updateOne({ _id: 'doc' }, { $inc: { n: 10 } }, { session: s2 })),
      );
      expect(err).toBeInstanceOf(MongoServerError);
      expect(err.code).toBe(112);
      expect(err.codeName).toBe('WriteConflict');
      expect(err.hasErrorLabel('TransientTransactionError')).toBe(true);
      await s2.abortTransaction();
      await s1.commitTransaction();
    } finally {
      await s1.endSession();
      await s2.endSession();
    }
    expect(await tickets.findOne({ _id: 'doc' })).toEqual({ _id: 'doc', n: 1 });
  });

  it('a transaction whose snapshot predates another commit to the same document conflicts', async () => {
    const { client } = fixture.get();
    const [tickets] = await freshPair();
    await tickets.insertMany([{ _id: 'doc', n: 0 }, { _id: 'other' }]);
    const s1 = client.startSession();
    const s2 = client.startSession();
    try {
      // s2 takes its snapshot first
      await inTxn(s2, () => tickets.findOne({ _id: 'other' }, { session: s2 }));
      // s1 modifies doc and commits
      await inTxn(s1, () => tickets.updateOne({ _id: 'doc' }, { $inc: { n: 1 } }, { session: s1 }));
      await s1.commitTransaction();
      // s2 still sees the old version, and cannot overwrite the newer one
      expect(await tickets.findOne({ _id: 'doc' }, { session: s2 })).toEqual({ _id: 'doc', n: 0 });
      const err = await errorOf(() => tickets.updateOne({ _id: 'doc' }, { $inc: { n: 10 } }, { session: s2 }));
      expect(err.code).toBe(112);
      expect(err.hasErrorLabel('TransientTransactionError')).toBe(true);
      await s2.abortTransaction();
    } finally {
      await s1.endSession();
      await s2.endSession();
    }
    expect(await tickets.findOne({ _id: 'doc' })).toEqual({ _id: 'doc', n: 1 });
  });

  it('withTransaction retries a transient write conflict until it succeeds', async () => {
    const { client } = fixture.get();
    const [tickets] = await freshPair();
    await tickets.insertOne({ _id: 'counter', n: 0 });
    const s1 = client.startSession();
    const s2 = client.startSession();
    let attempts2 = 0;
    try {
      let signal!: () => void;
      const s1Wrote = new Promise<void>((r) => (signal = r));
      const p1 = s1.withTransaction(async () => {
        await tickets.updateOne({ _id: 'counter' }, { $inc: { n: 1 } }, { session: s1 });
        signal();
        await sleep(300); // hold the write while s2 tries
      });
      await s1Wrote;
      const p2 = s2.withTransaction(async () => {
        attempts2 += 1;
        const doc = await tickets.findOne({ _id: 'counter' }, { session: s2 });
        await tickets.updateOne({ _id: 'counter' }, { $set: { n: doc!.n + 10 } }, { session: s2 });
      });
      await Promise.all([p1, p2]);
    } finally {
      await s1.endSession();
      await s2.endSession();
    }
    expect(attempts2).toBeGreaterThan(1);
    expect(await tickets.findOne({ _id: 'counter' })).toEqual({ _id: 'counter', n: 11 });
  });

  it('a duplicate key inside a transaction fails it with 11000 and nothing is committed', async () => {
    const { client } = fixture.get();
    const [tickets, orders] = await freshPair();
    await orders.createIndex({ ticket: 1 }, { unique: true });
    await orders.insertOne({ ticket: 'taken' });
    const session = client.startSession();
    try {
      const err = await errorOf(() =>
        session.withTransaction(async () => {
          await tickets.insertOne({ _id: 'side-effect' }, { session });
          await orders.insertOne({ ticket: 'taken' }, { session });
        }),
      );
      expect(err).toBeInstanceOf(MongoServerError);
      expect(err.code).toBe(11000);
      expect(err.keyPattern).toEqual({ ticket: 1 });
    } finally {
      await session.endSession();
    }
    expect(await tickets.countDocuments()).toBe(0);
    expect(await orders.countDocuments()).toBe(1);
  });

  it('after a failed statement the transaction is aborted server-side (commit → NoSuchTransaction 251)', async () => {
    const { client } = fixture.get();
    const [tickets] = await freshPair();
    await tickets.insertOne({ _id: 'dup' });
    const session = client.startSession();
    try {
      await inTxn(session, () => tickets.insertOne({ _id: 'ok' }, { session }));
      const dup = await errorOf(() => tickets.insertOne({ _id: 'dup' }, { session }));
      expect(dup.code).toBe(11000);
      const commitErr = await errorOf(() => session.commitTransaction());
      expect(commitErr.code).toBe(251);
    } finally {
      await session.endSession();
    }
    expect(await tickets.countDocuments({ _id: 'ok' })).toBe(0);
  });

  it('a write outside any transaction to a document held by an open transaction waits for it, then applies', async () => {
    const { client } = fixture.get();
    const [tickets] = await freshPair();
    await tickets.insertOne({ _id: 'held', n: 0 });
    const session = client.startSession();
    try {
      await inTxn(session, () => tickets.updateOne({ _id: 'held' }, { $inc: { n: 1 } }, { session }));
      let outsideDone = false;
      const outside = tickets.updateOne({ _id: 'held' }, { $inc: { n: 10 } }).then((r) => {
        outsideDone = true;
        return r;
      });
      await sleep(300);
      expect(outsideDone).toBe(false);
      await session.commitTransaction();
      const r = await outside;
      expect(r.modifiedCount).toBe(1);
    } finally {
      await session.endSession();
    }
    expect(await tickets.findOne({ _id: 'held' })).toEqual({ _id: 'held', n: 11 });
  });

  it('a collection can be created implicitly inside a transaction', async () => {
    const { client, db } = fixture.get();
    const name = `implicit_${Date.now()}`;
    const session = client.startSession();
    try {
      await session.withTransaction(async () => {
        await db.collection<{ _id: number }>(name).insertOne({ _id: 1 }, { session });
      });
    } finally {
      await session.endSession();
    }
    expect(await db.collection(name).find().toArray()).toEqual([{ _id: 1 }]);
  });

  it('findOneAndUpdate, deleteMany, updateMany and aggregate inside a transaction', async () => {
    const { client } = fixture.get();
    const [tickets] = await freshPair();
    await tickets.insertMany([
      { _id: 1, g: 'a' },
      { _id: 2, g: 'a' },
      { _id: 3, g: 'b' },
    ]);
    const session = client.startSession();
    try {
      await session.withTransaction(async () => {
        const doc = await tickets.findOneAndUpdate(
          { _id: 1 },
          { $set: { picked: true } },
          { session, returnDocument: 'after' },
        );
        expect(doc).toEqual({ _id: 1, g: 'a', picked: true });
        expect((await tickets.updateMany({ g: 'a' }, { $set: { seen: 1 } }, { session })).matchedCount).toBe(2);
        expect((await tickets.deleteMany({ g: 'b' }, { session })).deletedCount).toBe(1);
        const grouped = await tickets.aggregate([{ $group: { _id: '$g', n: { $sum: 1 } } }], { session }).toArray();
        expect(grouped).toEqual([{ _id: 'a', n: 2 }]);
      });
    } finally {
      await session.endSession();
    }
    expect(await tickets.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, g: 'a', picked: true, seen: 1 },
      { _id: 2, g: 'a', seen: 1 },
    ]);
  });
});

describe('mongoose transactions', () => {
  interface Ticket {
    title: string;
    price: number;
    orderId?: string;
  }
  interface Order {
    ticket: mongoose.Types.ObjectId;
    status: string;
  }
  let Ticket: mongoose.Model<Ticket>;
  let Order: mongoose.Model<Order>;
  beforeAll(async () => {
    const { conn } = fixture.get();
    Ticket = conn.model<Ticket>(
      'TxTicket',
      new mongoose.Schema<Ticket>({ title: String, price: Number, orderId: String }),
    );
    Order = conn.model<Order>(
      'TxOrder',
      new mongoose.Schema<Order>({ ticket: mongoose.Schema.Types.ObjectId, status: String }),
    );
    await Ticket.createCollection();
    await Order.createCollection();
  });
  beforeEach(async () => {
    await Ticket.deleteMany({});
    await Order.deleteMany({});
  });

  it('connection.transaction() commits both models', async () => {
    const { conn } = fixture.get();
    const ticket = await Ticket.create({ title: 't', price: 10 });
    await conn.transaction(async (session) => {
      const [order] = await Order.create([{ ticket: ticket._id, status: 'created' }], { session });
      ticket.orderId = order._id.toString();
      await ticket.save({ session });
      expect(await Order.countDocuments()).toBe(0); // outside the session
    });
    const order = await Order.findOne({ ticket: ticket._id });
    expect(order).not.toBeNull();
    expect((await Ticket.findById(ticket._id))!.orderId).toBe(order!._id.toString());
  });

  it('connection.transaction() rolls back when the callback throws', async () => {
    const { conn } = fixture.get();
    const ticket = await Ticket.create({ title: 't', price: 10 });
    await expect(
      conn.transaction(async (session) => {
        await Order.create([{ ticket: ticket._id, status: 'created' }], { session });
        await Ticket.updateOne({ _id: ticket._id }, { $set: { orderId: 'x' } }, { session });
        throw new Error('rollback please');
      }),
    ).rejects.toThrow('rollback please');
    expect(await Order.countDocuments()).toBe(0);
    expect((await Ticket.findById(ticket._id))!.orderId).toBeUndefined();
  });

  it('session.withTransaction() through mongoose, with reads of its own writes', async () => {
    const { conn } = fixture.get();
    const session = await conn.startSession();
    try {
      await session.withTransaction(async () => {
        const [t] = await Ticket.create([{ title: 'in-txn', price: 5 }], { session });
        const seen = await Ticket.findById(t._id).session(session);
        expect(seen?.title).toBe('in-txn');
        expect(await Ticket.findById(t._id)).toBeNull();
      });
    } finally {
      await session.endSession();
    }
    expect(await Ticket.countDocuments({ title: 'in-txn' })).toBe(1);
  });

  it('two mongoose transactions on the same document both succeed through retries', async () => {
    const { conn } = fixture.get();
    const ticket = await Ticket.create({ title: 'hot', price: 0 });
    const bump = (by: number) =>
      conn.transaction(async (session) => {
        const t = await Ticket.findById(ticket._id).session(session);
        await sleep(20);
        t!.price += by;
        await t!.save({ session });
      });
    await Promise.all([bump(1), bump(10), bump(100)]);
    expect((await Ticket.findById(ticket._id))!.price).toBe(111);
  });
});
