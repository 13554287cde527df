/**
 * Concurrency: many clients doing optimistic read-modify-write on one document lose no
 * update; many concurrent inserts of one unique key yield exactly one document.
 */
import { MongoClient, MongoServerError } from 'mongodb';
import mongoose from 'mongoose';
import { connectClient, connectMongoose, sleep, useFixture } from './target';

const fixture = useFixture('concurrency');
const N = 50;

interface Counter {
  name: string;
  count: number;
  version: number;
}
const counterSchema = () =>
  new mongoose.Schema<Counter>({ name: String, count: Number }, { optimisticConcurrency: true, versionKey: 'version' });

describe('optimistic read-modify-write under contention', () => {
  const conns: mongoose.Connection[] = [];
  afterAll(async () => {
    await Promise.all(conns.map((c) => c.close(true)));
  });

  it(`${N} concurrent clients increment one counter with VersionError retries: final count is ${N}`, async () => {
    const { target, conn } = fixture.get();
    const Seed = conn.model<Counter>('Counter', counterSchema());
    const seed = await Seed.create({ name: 'c', count: 0 });

    // 10 independent connections (own pools), 5 workers on each: 50 concurrent clients
    for (let i = 0; i < 10; i++) conns.push(await connectMongoose(target, { maxPoolSize: 5 }));
    const models = conns.map((c) => c.model<Counter>('Counter', counterSchema()));
    let versionErrors = 0;
    const worker = async (k: number) => {
      const Model = models[k % models.length];
      for (let attempt = 0; attempt < 500; attempt++) {
        const doc = await Model.findById(seed._id);
        doc!.count += 1;
        try {
          await doc!.save();
          return attempt;
        } catch (e) {
          if (!(e instanceof mongoose.Error.VersionError)) throw e;
          versionErrors += 1;
          await sleep(Math.random() * 5);
        }
      }
      throw new Error(`worker ${k} never succeeded`);
    };
    await Promise.all(Array.from({ length: N }, (_, k) => worker(k)));

    const final = await Seed.findById(seed._id).lean();
    expect(final!.count).toBe(N);
    expect(final!.version).toBe(N);
    // with 50 workers racing, some must have lost a race (otherwise nothing was concurrent)
    expect(versionErrors).toBeGreaterThan(0);
  }, 60000);

  it(`${N} concurrent $inc through the raw driver: final value is ${N}`, async () => {
    const { target } = fixture.get();
    const clients: MongoClient[] = [];
    try {
      for (let i = 0; i < 5; i++) clients.push(await connectClient(target, { maxPoolSize: 10 }));
      const colls = clients.map((c) => c.db(target.dbName).collection<{ _id: string; n: number }>('raw_counter'));
      await colls[0].insertOne({ _id: 'k', n: 0 });
      await Promise.all(
        Array.from({ length: N }, (_, k) => colls[k % colls.length].updateOne({ _id: 'k' }, { $inc: { n: 1 } })),
      );
      expect(await colls[0].findOne({ _id: 'k' })).toEqual({ _id: 'k', n: N });
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('conditional update (compare-and-set on version) lets exactly one of N racers win', async () => {
    const { db } = fixture.get();
    const c = db.collection<{ _id: string; version: number; owner?: number }>('cas');
    await c.insertOne({ _id: 'x', version: 0 });
    const results = await Promise.all(
      Array.from({ length: N }, (_, k) =>
        c.updateOne({ _id: 'x', version: 0 }, { $set: { owner: k }, $inc: { version: 1 } }),
      ),
    );
    expect(results.filter((r) => r.modifiedCount === 1)).toHaveLength(1);
    expect(await c.findOne({ _id: 'x' })).toMatchObject({ version: 1 });
  });
});

describe('concurrent inserts of one unique key', () => {
  it(`driver: ${N} parallel inserts → one document, ${N - 1} duplicate-key errors`, async () => {
    const { target, db } = fixture.get();
    const coll = db.collection('unique_race');
    await coll.createIndex({ key: 1 }, { unique: true });
    const clients: MongoClient[] = [];
    try {
      for (let i = 0; i < 5; i++) clients.push(await connectClient(target, { maxPoolSize: 10 }));
      const settled = await Promise.allSettled(
        Array.from({ length: N }, (_, k) =>
          clients[k % clients.length].db(target.dbName).collection('unique_race').insertOne({ key: 'same', k }),
        ),
      );
      const ok = settled.filter((s) => s.status === 'fulfilled');
      const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
      expect(ok).toHaveLength(1);
      expect(failed).toHaveLength(N - 1);
      for (const f of failed) {
        expect(f.reason).toBeInstanceOf(MongoServerError);
        expect(f.reason.code).toBe(11000);
      }
      expect(await coll.countDocuments({ key: 'same' })).toBe(1);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it(`mongoose: ${N} parallel Model.create of one unique key → one document`, async () => {
    const { conn } = fixture.get();
    const Seat = conn.model('Seat', new mongoose.Schema({ seat: { type: String, unique: true }, who: Number }));
    await Seat.createCollection();
    await Seat.syncIndexes();
    const settled = await Promise.allSettled(Array.from({ length: N }, (_, k) => Seat.create({ seat: 'A1', who: k })));
    const codes = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason.code);
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    expect(codes).toEqual(Array(N - 1).fill(11000));
    expect(await Seat.countDocuments({ seat: 'A1' })).toBe(1);
  });

  it('concurrent transactions inserting one unique key: exactly one commits', async () => {
    const { client, db } = fixture.get();
    const coll = db.collection('unique_txn_race');
    await coll.createIndex({ key: 1 }, { unique: true });
    const racers = 10;
    const settled = await Promise.allSettled(
      Array.from({ length: racers }, async (_, k) => {
        const session = client.startSession();
        try {
          await session.withTransaction(async () => {
            await coll.insertOne({ key: 'one', k }, { session });
          });
        } finally {
          await session.endSession();
        }
      }),
    );
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    for (const s of settled) {
      if (s.status === 'rejected') expect([11000, 112]).toContain(s.reason.code);
    }
    expect(await coll.countDocuments({ key: 'one' })).toBe(1);
  }, 60000);
});
