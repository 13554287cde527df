/* eslint-disable @typescript-eslint/no-explicit-any -- documents under test are schemaless */
/**
 * Conformance-suite harness: decides which MongoDB the suite talks to.
 *
 *  1. `MONGO_URI` set                → that server ("external"); every test file uses its
 *                                       own database (dropped on stop) so files never collide.
 *  2. `MONGO_MEMORY_SERVER=1` and a  → a one-member `MongoMemoryReplSet` named rs0 ("memory-server").
 *     mongod binary that is already     Never downloads: the binary must be MONGOMS_SYSTEM_BINARY
 *     on disk                           or already in the download dir / cache (otherwise a
 *                                       warning is printed and the embedded engine is used).
 *  3. otherwise                      → the embedded engine from ../src ("embedded").
 *
 * The same test files must pass against all three: assertions describe real MongoDB.
 */
import { MongoClient, MongoClientOptions } from 'mongodb';
import mongoose from 'mongoose';

export type TargetKind = 'external' | 'memory-server' | 'embedded';

export interface Target {
  kind: TargetKind;
  /** Replica-set URI, e.g. mongodb://127.0.0.1:PORT/?replicaSet=rs0 */
  uri: string;
  /** Database this test file owns. */
  dbName: string;
  /** Replica set name from the URI, if any. */
  replicaSet: string | undefined;
  /** `host:port` of the (first) server in the URI, or undefined for SRV / unparsable URIs. */
  hostPort: string | undefined;
  /** A `directConnection=true` URI to the same server, when one can be built. */
  directUri: string | undefined;
  stop(): Promise<void>;
}

/** Which kind of target the environment selects (without starting anything). */
export function targetKindFromEnv(): TargetKind {
  if (process.env.MONGO_URI) return 'external';
  if (process.env.MONGO_MEMORY_SERVER === '1') return 'memory-server';
  return 'embedded';
}

let dbCounter = 0;
/** A database name unique to this process / file / call. */
export function uniqueDbName(label: string): string {
  const clean = label.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 20);
  dbCounter += 1;
  return `conf_${clean}_${process.pid}_${Date.now().toString(36)}_${dbCounter}`;
}

function parseUri(uri: string): { replicaSet?: string; hostPort?: string } {
  const m = /^mongodb:\/\/(?:[^@/]*@)?([^/?]+)(?:\/[^?]*)?(?:\?(.*))?$/.exec(uri);
  if (!m) return {};
  const hosts = m[1].split(',');
  const params = new URLSearchParams(m[2] ?? '');
  return { replicaSet: params.get('replicaSet') ?? undefined, hostPort: hosts[0] };
}

function withDirect(uri: string, hostPort: string): string {
  const m = /^mongodb:\/\/([^@/]*@)?[^/?]+(?:\/([^?]*))?(?:\?(.*))?$/.exec(uri);
  const auth = m?.[1] ?? '';
  const params = new URLSearchParams(m?.[3] ?? '');
  params.delete('replicaSet');
  params.set('directConnection', 'true');
  return `mongodb://${auth}${hostPort}/?${params.toString()}`;
}

async function locateMongodWithoutDownload(): Promise<string | undefined> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DryMongoBinary } = require('mongodb-memory-server-core') as typeof import('mongodb-memory-server-core');
  try {
    const opts = await DryMongoBinary.generateOptions();
    return await DryMongoBinary.locateBinary(opts);
  } catch {
    return undefined;
  }
}

export async function startTarget(label: string): Promise<Target> {
  let kind = targetKindFromEnv();
  const dbName = uniqueDbName(label);
  let binary: string | undefined;
  let uri: string;
  let shutdown: () => Promise<void>;

  if (kind === 'external') {
    uri = process.env.MONGO_URI as string;
    shutdown = async () => {
      const c = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
      try {
        await c.connect();
        await c.db(dbName).dropDatabase();
      } finally {
        await c.close();
      }
    };
  } else if (kind === 'memory-server' && (binary = await locateMongodWithoutDownload())) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { MongoMemoryReplSet } = require('mongodb-memory-server-core') as typeof import('mongodb-memory-server-core');
    const rs = await MongoMemoryReplSet.create({
      binary: { systemBinary: binary },
      replSet: { count: 1, name: 'rs0', storageEngine: 'wiredTiger' },
    });
    await rs.waitUntilRunning();
    uri = rs.getUri();
    shutdown = async () => {
      await rs.stop({ doCleanup: true, force: true });
    };
  } else {
    if (kind === 'memory-server') {
      console.warn(
        'MONGO_MEMORY_SERVER=1 but no mongod binary is on disk (MONGOMS_SYSTEM_BINARY / download dir); ' +
          'NOT downloading one: falling back to the embedded engine',
      );
      kind = 'embedded';
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startEmbeddedMongo } = require('../src') as typeof import('../src');
    const engine = await startEmbeddedMongo({ port: 0 });
    uri = engine.uri;
    shutdown = () => engine.stop();
  }

  const { replicaSet, hostPort } = parseUri(uri);
  return {
    kind,
    uri,
    dbName,
    replicaSet,
    hostPort,
    directUri: hostPort ? withDirect(uri, hostPort) : undefined,
    stop: shutdown,
  };
}

/** Opens a driver client (tracked so `closeAll` closes it). */
export async function connectClient(
  target: Target,
  opts: MongoClientOptions = {},
  uri: string = target.uri,
): Promise<MongoClient> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10000, ...opts });
  await client.connect();
  return client;
}

/** Opens a mongoose connection on the target's database. */
export async function connectMongoose(
  target: Target,
  opts: mongoose.ConnectOptions = {},
  uri: string = target.uri,
): Promise<mongoose.Connection> {
  const conn = mongoose.createConnection(uri, {
    dbName: target.dbName,
    serverSelectionTimeoutMS: 10000,
    autoIndex: false,
    autoCreate: false,
    ...opts,
  });
  await conn.asPromise();
  return conn;
}

/** Standard per-file fixture: one target, one driver client, one mongoose connection. */
export interface Fixture {
  target: Target;
  client: MongoClient;
  conn: mongoose.Connection;
  db: ReturnType<MongoClient['db']>;
}

export function useFixture(label: string): { get(): Fixture } {
  let fx: Fixture | undefined;
  beforeAll(async () => {
    const target = await startTarget(label);
    try {
      const client = await connectClient(target);
      const conn = await connectMongoose(target);
      fx = { target, client, conn, db: client.db(target.dbName) };
    } catch (e) {
      await target.stop();
      throw e;
    }
  }, 60000);
  afterAll(async () => {
    if (!fx) return;
    await fx.conn.close(true).catch(() => undefined);
    await fx.client.close(true).catch(() => undefined);
    await fx.target.stop();
  }, 60000);
  return {
    get(): Fixture {
      if (!fx) throw new Error('fixture not started');
      return fx;
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `fn` and returns the error it rejects with (fails the test if it resolves). */
export async function errorOf(fn: () => Promise<unknown>): Promise<any> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the operation to fail, but it succeeded');
}

/** Polls `fn` until it returns a truthy value or `ms` elapse. */
export async function eventually<T>(fn: () => Promise<T>, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await sleep(20);
  }
}
