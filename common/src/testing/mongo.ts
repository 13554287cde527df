import { randomBytes } from 'node:crypto';
import { startEmbeddedMongo } from '@ticketing/embedded-mongo';
import { MongoMemoryReplSet } from 'mongodb-memory-server-core';
import mongoose from 'mongoose';

export interface TestMongo {
  uri: string;
  stop(): Promise<void>;
}

const MONGO_URI_PATTERN = /^(mongodb(?:\+srv)?:\/\/)([^/?]+)(?:\/([^?]*))?(?:\?(.*))?$/;

/**
 * `uri` pointing at database `dbName`. The path of a MongoDB URI is also the default
 * authentication database, so when the URI has credentials and no authSource the
 * original one is kept explicitly.
 */
export function uriWithDatabase(uri: string, dbName: string): string {
  const match = MONGO_URI_PATTERN.exec(uri);
  if (!match) {
    // The URI itself is not printed: it may hold a password.
    throw new Error('MONGO_URI is not a mongodb:// or mongodb+srv:// URI');
  }
  const [, scheme, hosts, originalDb = '', query = ''] = match;
  const params = new URLSearchParams(query);
  if (hosts.includes('@') && !params.has('authSource')) {
    params.set('authSource', originalDb || 'admin');
  }
  const queryString = params.toString();
  return `${scheme}${hosts}/${dbName}${queryString ? `?${queryString}` : ''}`;
}

async function useExistingServer(mongoUri: string): Promise<TestMongo> {
  const uri = uriWithDatabase(mongoUri, `test_${randomBytes(6).toString('hex')}`);
  return {
    uri,
    async stop() {
      const connection = await mongoose.createConnection(uri).asPromise();
      try {
        await connection.dropDatabase();
      } finally {
        await connection.close();
      }
    },
  };
}

async function startMemoryServer(): Promise<TestMongo> {
  // A replica set, not a standalone mongod, because services use transactions (outbox).
  const replSet = await MongoMemoryReplSet.create({ replSet: { count: 1, storageEngine: 'wiredTiger' } });
  return {
    uri: replSet.getUri(),
    async stop() {
      await replSet.stop();
    },
  };
}

/**
 * A MongoDB for one test file:
 * - MONGO_URI set: that server, with a fresh database dropped again by stop();
 * - MONGO_MEMORY_SERVER=1: a real mongod via mongodb-memory-server;
 * - otherwise the embedded engine on a free port (no binary needed).
 */
export async function startTestMongo(): Promise<TestMongo> {
  const mongoUri = process.env.MONGO_URI;
  if (mongoUri) return useExistingServer(mongoUri);
  if (process.env.MONGO_MEMORY_SERVER === '1') return startMemoryServer();
  const embedded = await startEmbeddedMongo({ port: 0 });
  return { uri: embedded.uri, stop: () => embedded.stop() };
}
