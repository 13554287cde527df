/**
 * Connection, handshake and admin commands; retryable writes.
 */
import { Long, MongoClient, MongoServerError } from 'mongodb';
import mongoose from 'mongoose';
import { connectClient, connectMongoose, errorOf, useFixture } from './target';

const fixture = useFixture('connection');

describe('connection', () => {
  it('driver connects with the replica-set URI and round-trips a document', async () => {
    const { target, client } = fixture.get();
    expect(target.uri).toMatch(/^mongodb(\+srv)?:\/\//);
    const coll = client.db(target.dbName).collection('rs_uri');
    const { insertedId } = await coll.insertOne({ via: 'replicaSet' });
    const doc = await coll.findOne({ _id: insertedId });
    expect(doc).toEqual({ _id: insertedId, via: 'replicaSet' });
  });

  it('driver connects with directConnection=true to the same server', async () => {
    const { target, client } = fixture.get();
    if (!target.directUri) return; // SRV / unparsable external URI: nothing to derive
    const direct = await connectClient(target, {}, target.directUri);
    try {
      const coll = direct.db(target.dbName).collection('direct');
      const { insertedId } = await coll.insertOne({ via: 'direct' });
      // visible through the other client: it is the same server
      const seen = await client.db(target.dbName).collection('direct').findOne({ _id: insertedId });
      expect(seen).toEqual({ _id: insertedId, via: 'direct' });
    } finally {
      await direct.close();
    }
  });

  it('mongoose connects with the replica-set URI', async () => {
    const { conn } = fixture.get();
    expect(conn.readyState).toBe(mongoose.ConnectionStates.connected);
    const M = conn.model('RsUriThing', new mongoose.Schema({ name: String }));
    const created = await M.create({ name: 'x' });
    const found = await M.findById(created._id).lean();
    expect(found?.name).toBe('x');
  });

  it('mongoose connects with directConnection=true', async () => {
    const { target } = fixture.get();
    if (!target.directUri) return;
    const conn = await connectMongoose(target, {}, target.directUri);
    try {
      expect(conn.readyState).toBe(mongoose.ConnectionStates.connected);
      const M = conn.model('DirectThing', new mongoose.Schema({ name: String }));
      await M.create({ name: 'direct' });
      expect(await M.countDocuments({ name: 'direct' })).toBe(1);
    } finally {
      await conn.close();
    }
  });

  it('hello reports a writable primary of the replica set', async () => {
    const { target, client } = fixture.get();
    const hello = await client.db('admin').command({ hello: 1 });
    expect(hello.ok).toBe(1);
    expect(hello.isWritablePrimary).toBe(true);
    expect(hello.secondary).toBe(false);
    expect(typeof hello.setName).toBe('string');
    if (target.replicaSet) expect(hello.setName).toBe(target.replicaSet);
    expect(Array.isArray(hello.hosts)).toBe(true);
    expect(hello.hosts.length).toBeGreaterThanOrEqual(1);
    expect(hello.hosts).toContain(hello.me);
    expect(hello.primary).toBe(hello.me);
    expect(typeof hello.logicalSessionTimeoutMinutes).toBe('number');
    expect(hello.logicalSessionTimeoutMinutes).toBeGreaterThan(0);
    expect(hello.maxBsonObjectSize).toBe(16 * 1024 * 1024);
    expect(hello.maxMessageSizeBytes).toBe(48000000);
    expect(hello.maxWriteBatchSize).toBe(100000);
    // transactions on replica sets need wire version >= 7 (4.0)
    expect(hello.maxWireVersion).toBeGreaterThanOrEqual(7);
    expect(hello.localTime).toBeInstanceOf(Date);
  });

  it('legacy isMaster also reports a primary', async () => {
    const { client } = fixture.get();
    const res = await client.db('admin').command({ isMaster: 1 });
    expect(res.ok).toBe(1);
    expect(res.ismaster).toBe(true);
    expect(typeof res.setName).toBe('string');
  });

  it('ping answers ok', async () => {
    const { client, target } = fixture.get();
    expect((await client.db('admin').command({ ping: 1 })).ok).toBe(1);
    expect((await client.db(target.dbName).command({ ping: 1 })).ok).toBe(1);
  });

  it('buildInfo has a version', async () => {
    const { client } = fixture.get();
    const info = await client.db('admin').command({ buildInfo: 1 });
    expect(info.ok).toBe(1);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Array.isArray(info.versionArray)).toBe(true);
    expect(info.versionArray[0]).toBe(Number(info.version.split('.')[0]));
  });

  it('listDatabases includes a database once it has data', async () => {
    const { client, target } = fixture.get();
    await client.db(target.dbName).collection('listdb').insertOne({ a: 1 });
    const res = await client.db('admin').admin().listDatabases();
    const names = res.databases.map((d) => d.name);
    expect(names).toContain(target.dbName);
    const nameOnly = await client.db('admin').command({ listDatabases: 1, nameOnly: true });
    expect(nameOnly.databases.map((d: { name: string }) => d.name)).toContain(target.dbName);
  });

  it('listCollections lists created collections', async () => {
    const { db } = fixture.get();
    await db.createCollection('explicitly_created');
    await db.collection('implicitly_created').insertOne({ x: 1 });
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['explicitly_created', 'implicitly_created']));
    expect(names).not.toContain('never_created');
    const one = await db.listCollections({ name: 'explicitly_created' }).toArray();
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ name: 'explicitly_created', type: 'collection' });
  });

  it('an unknown command fails with CommandNotFound (59)', async () => {
    const { client, target } = fixture.get();
    const err = await errorOf(() => client.db(target.dbName).command({ noSuchCommand: 1 }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(59);
    expect(err.codeName).toBe('CommandNotFound');
  });

  it('drop collection and dropDatabase remove data', async () => {
    const { client, target } = fixture.get();
    const db = client.db(`${target.dbName}_drop`);
    await db.collection('a').insertOne({ x: 1 });
    await db.collection('b').insertOne({ x: 1 });
    expect(await db.collection('a').drop()).toBe(true);
    expect(await db.collection('a').countDocuments()).toBe(0);
    await db.dropDatabase();
    expect(await db.collection('b').countDocuments()).toBe(0);
    const names = (await client.db('admin').admin().listDatabases()).databases.map((d) => d.name);
    expect(names).not.toContain(`${target.dbName}_drop`);
  });
});

describe('retryable writes', () => {
  it('normal writes succeed with the driver default retryWrites=true', async () => {
    const { target } = fixture.get();
    const client: MongoClient = await connectClient(target, { retryWrites: true });
    try {
      const coll = client.db(target.dbName).collection('retryable');
      await coll.insertOne({ _id: 1 as never, n: 0 });
      await coll.insertMany([{ _id: 2 as never }, { _id: 3 as never }]);
      expect((await coll.updateOne({ _id: 1 as never }, { $inc: { n: 1 } })).modifiedCount).toBe(1);
      const after = await coll.findOneAndUpdate({ _id: 1 as never }, { $inc: { n: 1 } }, { returnDocument: 'after' });
      expect(after?.n).toBe(2);
      expect((await coll.replaceOne({ _id: 2 as never }, { r: true })).modifiedCount).toBe(1);
      expect((await coll.deleteOne({ _id: 3 as never })).deletedCount).toBe(1);
      const bulk = await coll.bulkWrite([
        { insertOne: { document: { _id: 4 as never } } },
        { updateOne: { filter: { _id: 4 as never }, update: { $set: { b: 1 } } } },
        { deleteOne: { filter: { _id: 2 as never } } },
      ]);
      expect(bulk.insertedCount).toBe(1);
      expect(bulk.modifiedCount).toBe(1);
      expect(bulk.deletedCount).toBe(1);
      expect(await coll.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
        { _id: 1, n: 2 },
        { _id: 4, b: 1 },
      ]);
    } finally {
      await client.close();
    }
  });

  it('a retried write (same lsid + txnNumber) is not applied twice', async () => {
    const { client, target } = fixture.get();
    const db = client.db(target.dbName);
    await db.collection('retry_replay').insertOne({ _id: 'counter' as never, n: 0 });
    const session = client.startSession();
    try {
      const cmd = {
        update: 'retry_replay',
        updates: [{ q: { _id: 'counter' }, u: { $inc: { n: 1 } } }],
        txnNumber: Long.fromNumber(7),
      };
      const first = await db.command(cmd, { session });
      expect(first.ok).toBe(1);
      expect(first.n).toBe(1);
      const replay = await db.command(cmd, { session });
      expect(replay.ok).toBe(1);
      expect((await db.collection('retry_replay').findOne({ _id: 'counter' as never }))?.n).toBe(1);
      // a new txnNumber is a new write
      await db.command({ ...cmd, txnNumber: Long.fromNumber(8) }, { session });
      expect((await db.collection('retry_replay').findOne({ _id: 'counter' as never }))?.n).toBe(2);
    } finally {
      await session.endSession();
    }
  });
});
