import mongoose from 'mongoose';
import { connectBus, type Bus } from '../events/bus';
import { createLogger } from '../kit/logger';
import { startTestMongo, type TestMongo } from './mongo';
import { startNatsServer, type TestNatsServer } from './nats-server';
import { startRedisServer, type TestRedisServer } from './redis-server';

/** What a service's tests run against: real MongoDB (or the engine), real JetStream, optionally Redis. */
export interface ServiceTestEnvironment {
  mongo: TestMongo;
  nats: TestNatsServer;
  redis?: TestRedisServer;
  /** Connected to `nats`, with the event stream provisioned. */
  bus: Bus;
  /** Deletes every document of the default mongoose connection, keeping collections and indexes. */
  clearDatabase(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts MongoDB, nats-server (and redis-server if asked) for one test file, connects the default
 * mongoose connection and a bus. Call `stop()` in afterAll.
 */
export async function startServiceTestEnvironment(options: { redis?: boolean } = {}): Promise<ServiceTestEnvironment> {
  const [mongo, nats, redis] = await Promise.all([
    startTestMongo(),
    startNatsServer(),
    options.redis ? startRedisServer() : Promise.resolve(undefined),
  ]);
  await mongoose.connect(mongo.uri);
  const bus = await connectBus({ servers: nats.url, name: 'test', logger: createLogger('test') });
  await bus.ensureStream();
  return {
    mongo,
    nats,
    redis,
    bus,
    async clearDatabase() {
      const collections = await mongoose.connection.db!.collections();
      await Promise.all(collections.map((collection) => collection.deleteMany({})));
    },
    async stop() {
      await bus.close();
      await mongoose.disconnect();
      await Promise.all([mongo.stop(), nats.stop(), redis?.stop()]);
    },
  };
}
