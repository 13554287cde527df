/* eslint-disable @typescript-eslint/no-explicit-any -- documents under test are schemaless */
/**
 * Engine-specific (embedded target only): durability across restarts on a data dir,
 * crash recovery (SIGKILL), torn / truncated journal tails, and clean shutdown.
 * Skipped when the suite runs against a real MongoDB (MONGO_URI / MONGO_MEMORY_SERVER).
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Decimal128, Long, MongoClient, MongoServerError, ObjectId } from 'mongodb';
import type { EmbeddedMongo } from '../src';
import { errorOf, targetKindFromEnv } from './target';

const embedded = targetKindFromEnv() === 'embedded';
const describeEmbedded = embedded ? describe : describe.skip;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const start = (dataDir?: string): Promise<EmbeddedMongo> => require('../src').startEmbeddedMongo({ port: 0, dataDir });

const tmpDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-mongo-test-'));
  tmpDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Starts the engine on dataDir, runs fn with a connected client, then closes and stops. */
async function withEngine<T>(
  dataDir: string,
  fn: (client: MongoClient, engine: EmbeddedMongo) => Promise<T>,
): Promise<T> {
  const engine = await start(dataDir);
  const client = new MongoClient(engine.uri, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.connect();
    return await fn(client, engine);
  } finally {
    await client.close(true);
    await engine.stop();
  }
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

/** Journal / write-ahead files in the data dir (non-empty ones). */
function journalFiles(dir: string): string[] {
  const files = listFiles(dir).filter((f) => fs.statSync(f).size > 0);
  const named = files.filter((f) => /journal|wal|\.log$|oplog/i.test(path.basename(f)));
  if (named.length > 0) return named;
  // fall back to the most recently written file
  return files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs).slice(0, 1);
}

const DB = 'persist';

describeEmbedded('persistence across restarts', () => {
  it('documents, types, collections and indexes survive stop/start; unique is still enforced', async () => {
    const dir = tempDir();
    const oid = new ObjectId();
    await withEngine(dir, async (client) => {
      const db = client.db(DB);
      const users = db.collection<any>('users');
      await users.createIndex({ email: 1 }, { unique: true });
      await db
        .collection('orders')
        .createIndex(
          { ticketId: 1 },
          { unique: true, partialFilterExpression: { status: { $in: ['created', 'complete'] } } },
        );
      await users.insertMany([
        {
          _id: oid,
          email: 'a@x.io',
          n: Long.fromString('9007199254740993'),
          d: Decimal128.fromString('1.10'),
          at: new Date(5),
        },
        { email: 'b@x.io', tags: ['x', 'y'], sub: { k: 1 } },
      ]);
      await users.updateOne({ email: 'b@x.io' }, <any>{ $push: { tags: 'z' } });
      await users.insertOne({ email: 'c@x.io' });
      await users.deleteOne({ email: 'c@x.io' });
      await db.collection('orders').insertOne({ ticketId: 1, status: 'created' });
      await client
        .db('other')
        .collection('things')
        .insertOne({ _id: 'kept' as never });
    });

    await withEngine(dir, async (client) => {
      const db = client.db(DB);
      const users = db.collection<any>('users');
      expect(await users.countDocuments()).toBe(2);
      const a = await users.findOne({ _id: oid }, { promoteLongs: false });
      expect(a!.email).toBe('a@x.io');
      expect(a!.n).toBeInstanceOf(Long);
      expect(a!.n.toString()).toBe('9007199254740993');
      expect(a!.d).toBeInstanceOf(Decimal128);
      expect(a!.d.toString()).toBe('1.10');
      expect(a!.at).toEqual(new Date(5));
      expect(await users.findOne({ email: 'b@x.io' }, { projection: { _id: 0 } })).toEqual({
        email: 'b@x.io',
        tags: ['x', 'y', 'z'],
        sub: { k: 1 },
      });
      expect(await users.findOne({ email: 'c@x.io' })).toBeNull();

      const idx = await users.listIndexes().toArray();
      expect(idx.map((i) => i.name).sort()).toEqual(['_id_', 'email_1']);
      expect(idx.find((i) => i.name === 'email_1')!.unique).toBe(true);
      const err = await errorOf(() => users.insertOne({ email: 'a@x.io' }));
      expect(err).toBeInstanceOf(MongoServerError);
      expect(err.code).toBe(11000);

      // partial unique index survived too, with its filter
      const orders = db.collection<any>('orders');
      expect((await errorOf(() => orders.insertOne({ ticketId: 1, status: 'complete' }))).code).toBe(11000);
      await orders.insertOne({ ticketId: 1, status: 'cancelled' });

      expect((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort()).toEqual([
        'orders',
        'users',
      ]);
      expect(await client.db('other').collection('things').findOne({})).toEqual({ _id: 'kept' });
    });
  });

  it('dropped collections, dropped indexes and dropped databases stay dropped', async () => {
    const dir = tempDir();
    await withEngine(dir, async (client) => {
      const db = client.db(DB);
      await db.collection('a').insertOne({ x: 1 });
      await db.collection('b').insertOne({ x: 1 });
      await db.collection('b').createIndex({ x: 1 });
      await db.collection('a').drop();
      await db.collection('b').dropIndex('x_1');
      await client.db('gone').collection('c').insertOne({ x: 1 });
      await client.db('gone').dropDatabase();
    });
    await withEngine(dir, async (client) => {
      const db = client.db(DB);
      expect((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name)).toEqual(['b']);
      expect((await db.collection('b').listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
      expect(await client.db('gone').collection('c').countDocuments()).toBe(0);
    });
  });

  it('a committed transaction survives a restart; aborted and unfinished ones do not', async () => {
    const dir = tempDir();
    await withEngine(dir, async (client) => {
      const db = client.db(DB);
      const t = await db.createCollection<any>('tickets');
      const o = await db.createCollection<any>('orders');
      const s = client.startSession();
      await s.withTransaction(async () => {
        await t.insertOne({ _id: 'committed' }, { session: s });
        await o.insertOne({ _id: 'committed' }, { session: s });
      });
      s.startTransaction();
      await t.insertOne({ _id: 'aborted' }, { session: s });
      await s.abortTransaction();
      await s.endSession();

      // left open when the engine stops
      const open = client.startSession();
      open.startTransaction();
      await t.insertOne({ _id: 'unfinished' }, { session: open });
      await o.updateOne({ _id: 'committed' }, { $set: { touched: true } }, { session: open });
    });
    await withEngine(dir, async (client) => {
      const db = client.db(DB);
      expect((await db.collection('tickets').find().toArray()).map((d) => d._id)).toEqual(['committed']);
      expect(await db.collection('orders').find().toArray()).toEqual([{ _id: 'committed' }]);
    });
  });

  it('acknowledged writes survive a crash (SIGKILL of the engine process)', async () => {
    const dir = tempDir();
    const child = await startChild(dir);
    try {
      const client = new MongoClient(child.uri, { serverSelectionTimeoutMS: 5000 });
      await client.connect();
      const db = client.db(DB);
      await db.collection('c').createIndex({ k: 1 }, { unique: true });
      for (let i = 0; i < 20; i++) await db.collection('c').insertOne({ _id: i as never, k: i });
      await db.collection('c').updateMany({ _id: { $lt: 10 } as never }, { $set: { low: true } });
      const s = client.startSession();
      await s.withTransaction(async () => {
        await db.collection('c').insertOne({ _id: 'txn' as never, k: 'txn' }, { session: s });
      });
      await s.endSession();
      await client.close(true);
    } finally {
      await killChild(child.proc);
    }
    await withEngine(dir, async (client) => {
      const c = client.db(DB).collection('c');
      expect(await c.countDocuments()).toBe(21);
      expect(await c.countDocuments({ low: true })).toBe(10);
      expect(await c.findOne({ _id: 'txn' as never })).toEqual({ _id: 'txn', k: 'txn' });
      expect((await errorOf(() => c.insertOne({ k: 3 }))).code).toBe(11000);
    });
  }, 30000);

  it('concurrent commits share journal syncs, and every acknowledged one survives a restart', async () => {
    const dir = tempDir();
    const clients = 40;
    const syncs = jest.spyOn(fs, 'fdatasync');
    try {
      await withEngine(dir, async (client) => {
        const db = client.db(DB);
        await db.createCollection('orders');
        await db.collection<any>('counters').insertMany(Array.from({ length: clients }, (_, i) => ({ _id: i, n: 0 })));
        syncs.mockClear();
        await Promise.all(
          Array.from({ length: clients }, async (_, i) => {
            const session = client.startSession();
            try {
              for (let n = 0; n < 3; n++) {
                await session.withTransaction(async () => {
                  await db.collection<any>('orders').insertOne({ _id: `${i}-${n}` }, { session });
                  await db.collection<any>('counters').updateOne({ _id: i }, { $inc: { n: 1 } }, { session });
                });
              }
            } finally {
              await session.endSession();
            }
          }),
        );
      });
      expect(syncs.mock.calls.length).toBeGreaterThan(0);
      expect(syncs.mock.calls.length).toBeLessThan(clients * 3);
    } finally {
      syncs.mockRestore();
    }
    await withEngine(dir, async (client) => {
      const db = client.db(DB);
      expect(await db.collection('orders').countDocuments()).toBe(clients * 3);
      expect(await db.collection('counters').countDocuments({ n: 3 })).toBe(clients);
    });
  }, 30000);

  it('concurrent writes acknowledged before a crash (SIGKILL) all survive it', async () => {
    const dir = tempDir();
    const child = await startChild(dir);
    try {
      const client = new MongoClient(child.uri, { serverSelectionTimeoutMS: 5000, maxPoolSize: 30 });
      await client.connect();
      const c = client.db(DB).collection<any>('c');
      await Promise.all(Array.from({ length: 300 }, (_, i) => c.insertOne({ _id: i, k: i })));
      await Promise.all(Array.from({ length: 100 }, (_, i) => c.updateOne({ _id: i }, { $set: { updated: true } })));
      await client.close(true);
    } finally {
      await killChild(child.proc);
    }
    await withEngine(dir, async (client) => {
      const c = client.db(DB).collection('c');
      expect(await c.countDocuments()).toBe(300);
      expect(await c.countDocuments({ updated: true })).toBe(100);
    });
  }, 30000);

  it('a journal with garbage appended after the last record still starts with all data, and keeps working', async () => {
    const dir = tempDir();
    await withEngine(dir, async (client) => {
      const c = client.db(DB).collection('c');
      for (let i = 0; i < 10; i++) await c.insertOne({ _id: i as never });
    });
    const files = journalFiles(dir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) fs.appendFileSync(f, Buffer.from([0x13, 0x00, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x02]));

    await withEngine(dir, async (client) => {
      const c = client.db(DB).collection('c');
      expect((await c.find().sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      // writes after recovery must not land behind the garbage
      await c.insertOne({ _id: 'after' as never });
    });
    await withEngine(dir, async (client) => {
      const c = client.db(DB).collection('c');
      expect(await c.countDocuments()).toBe(11);
      expect(await c.findOne({ _id: 'after' as never })).toEqual({ _id: 'after' });
    });
  });

  it('a journal whose last record is truncated (torn write) keeps all earlier data', async () => {
    const dir = tempDir();
    await withEngine(dir, async (client) => {
      const c = client.db(DB).collection('c');
      for (let i = 0; i < 10; i++) await c.insertOne({ _id: i as never, pad: 'p'.repeat(50) });
      await c.insertOne({ _id: 'last' as never, pad: 'q'.repeat(200) });
    });
    const files = journalFiles(dir);
    expect(files.length).toBeGreaterThan(0);
    // tear the most recently written journal file
    const newest = files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
    const size = fs.statSync(newest).size;
    fs.truncateSync(newest, size - 7);

    await withEngine(dir, async (client) => {
      const c = client.db(DB).collection('c');
      const ids = (
        await c
          .find({ _id: { $type: 'number' } as never })
          .sort({ _id: 1 })
          .toArray()
      ).map((d) => d._id);
      expect(ids).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      // the torn record may or may not be there, but never half-applied
      const last = await c.findOne({ _id: 'last' as never });
      if (last) expect(last.pad).toBe('q'.repeat(200));
      await c.insertOne({ _id: 'after' as never });
    });
    await withEngine(dir, async (client) => {
      const c = client.db(DB).collection('c');
      expect(await c.findOne({ _id: 'after' as never })).toEqual({ _id: 'after' });
      expect(await c.countDocuments({ _id: { $type: 'number' } as never })).toBe(10);
    });
  });
});

describeEmbedded('shutdown', () => {
  it('stop() closes the listener and releases its resources', async () => {
    const before = countResources();
    const engine = await start();
    const client = new MongoClient(engine.uri, { serverSelectionTimeoutMS: 5000 });
    await client.connect();
    await client.db(DB).collection('x').insertOne({ a: 1 });
    await client.close(true);
    await engine.stop();
    await new Promise((r) => setTimeout(r, 50));
    const after = countResources();
    expect(after.TCPServerWrap ?? 0).toBeLessThanOrEqual(before.TCPServerWrap ?? 0);
    expect(after.TCPSocketWrap ?? 0).toBeLessThanOrEqual(before.TCPSocketWrap ?? 0);
    expect(after.Timeout ?? 0).toBeLessThanOrEqual((before.Timeout ?? 0) + 1);
    expect(await canConnect(engine.port)).toBe(false);
  });

  it('stop() with a client still connected resolves promptly, and is idempotent', async () => {
    const dir = tempDir();
    const engine = await start(dir);
    const client = new MongoClient(engine.uri, { serverSelectionTimeoutMS: 2000 });
    await client.connect();
    await client.db(DB).collection('x').insertOne({ a: 1 });
    const t0 = Date.now();
    await engine.stop();
    expect(Date.now() - t0).toBeLessThan(3000);
    await engine.stop();
    await client.close(true);
    expect(await canConnect(engine.port)).toBe(false);
    // and the data dir can be opened again at once
    await withEngine(dir, async (c) => {
      expect(await c.db(DB).collection('x').countDocuments()).toBe(1);
    });
  });

  it('two engines in one process are independent', async () => {
    const a = await start();
    const b = await start();
    const ca = new MongoClient(a.uri);
    const cb = new MongoClient(b.uri);
    try {
      expect(a.port).not.toBe(b.port);
      await ca.db(DB).collection('x').insertOne({ from: 'a' });
      expect(await cb.db(DB).collection('x').countDocuments()).toBe(0);
    } finally {
      await ca.close(true);
      await cb.close(true);
      await a.stop();
      await b.stop();
    }
  });
});

function countResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function startChild(dataDir: string): Promise<{ proc: ChildProcess; uri: string }> {
  const script = path.join(__dirname, 'fixtures', 'engine-child.ts');
  const proc = spawn(process.execPath, ['-r', '@swc-node/register', script, dataDir], {
    cwd: path.join(__dirname, '..', '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const uri = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`engine child did not start: ${err}`)), 20000);
    proc.stdout!.on('data', (b) => {
      out += b.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.stderr!.on('data', (b) => (err += b.toString()));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`engine child exited with ${code}: ${err}`));
    });
  });
  return { proc, uri };
}

function killChild(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}
