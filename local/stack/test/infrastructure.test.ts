import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { MongoClient } from 'mongodb';
import { startInfrastructure, type Infrastructure, type InfrastructureOptions } from '../src/infrastructure';
import { StackStartError } from '../src/errors';
import {
  allFree,
  freePorts,
  listenOn,
  makeTempDir,
  redisCommand,
  removeDir,
  streamMessages,
  waitUntil,
} from './helpers';

let dataDir: string;
let ports: { mongo: number; nats: number; redis: number };
let infrastructure: Infrastructure | undefined;

function options(overrides: Partial<InfrastructureOptions> = {}): InfrastructureOptions {
  return {
    dataDir,
    mongo: { port: ports.mongo },
    nats: { port: ports.nats },
    redis: { port: ports.redis },
    ...overrides,
  };
}

beforeEach(async () => {
  dataDir = await makeTempDir();
  const [mongo, nats, redis] = await freePorts(3);
  ports = { mongo, nats, redis };
});

afterEach(async () => {
  await infrastructure?.stop();
  infrastructure = undefined;
  await removeDir(dataDir);
});

test('starts MongoDB, NATS and Redis, each answering a client, and stops them all', async () => {
  infrastructure = await startInfrastructure(options());
  expect(infrastructure.started).toEqual(['mongo', 'nats', 'redis']);
  expect(infrastructure.urls).toEqual({
    mongo: `mongodb://127.0.0.1:${ports.mongo}/?replicaSet=rs0`,
    nats: `nats://127.0.0.1:${ports.nats}`,
    redis: `redis://127.0.0.1:${ports.redis}`,
  });

  const mongo = new MongoClient(infrastructure.urls.mongo, { serverSelectionTimeoutMS: 5000 });
  try {
    expect(await mongo.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 });
  } finally {
    await mongo.close();
  }

  const nats = await connect({ servers: infrastructure.urls.nats });
  try {
    const jetstream = await jetstreamManager(nats);
    expect((await jetstream.getAccountInfo()).streams).toBe(0);
  } finally {
    await nats.close();
  }

  expect(await redisCommand(ports.redis, 'PING')).toBe('+PONG');

  await infrastructure.stop();
  infrastructure = undefined;
  expect(await allFree([ports.mongo, ports.nats, ports.redis])).toBe(true);
});

test('keeps the data of every server across a stop and a start', async () => {
  infrastructure = await startInfrastructure(options());
  const mongo = new MongoClient(infrastructure.urls.mongo, { serverSelectionTimeoutMS: 5000 });
  await mongo.db('stack').collection('tickets').insertOne({ title: 'concert' });
  await mongo.close();
  const nats = await connect({ servers: infrastructure.urls.nats });
  await (await jetstreamManager(nats)).streams.add({ name: 'events', subjects: ['ticket.>'] });
  await nats.close();
  expect(await redisCommand(ports.redis, 'SET job 42')).toBe('+OK');
  await infrastructure.stop();

  infrastructure = await startInfrastructure(options());
  const mongoAgain = new MongoClient(infrastructure.urls.mongo, { serverSelectionTimeoutMS: 5000 });
  try {
    expect(
      await mongoAgain
        .db('stack')
        .collection('tickets')
        .findOne({}, { projection: { _id: 0 } }),
    ).toEqual({
      title: 'concert',
    });
  } finally {
    await mongoAgain.close();
  }
  const natsAgain = await connect({ servers: infrastructure.urls.nats });
  try {
    const stream = await (await jetstreamManager(natsAgain)).streams.info('events');
    expect(stream.config.subjects).toEqual(['ticket.>']);
  } finally {
    await natsAgain.close();
  }
  expect(await redisCommand(ports.redis, 'GET job')).toBe('$2');
});

test('uses a server given by URL instead of starting one', async () => {
  infrastructure = await startInfrastructure(options({ nats: { url: 'nats://nats.example:4222' } }));
  expect(infrastructure.started).toEqual(['mongo', 'redis']);
  expect(infrastructure.urls.nats).toBe('nats://nats.example:4222');
});

test('refuses a busy port in one line, before starting anything', async () => {
  const squatter = await listenOn(ports.redis);
  try {
    const error = await startInfrastructure(options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackStartError);
    expect(error).toMatchObject({
      component: 'redis',
      message: `port ${ports.redis} for redis is already in use on 127.0.0.1`,
    });
    expect(await allFree([ports.mongo, ports.nats])).toBe(true);
  } finally {
    await new Promise((resolve) => squatter.close(resolve));
  }
});

test('refuses a missing binary in one line, before starting anything', async () => {
  const error = await startInfrastructure(options({ binaries: { natsServer: '/nonexistent/nats-server' } })).catch(
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StackStartError);
  expect(error).toMatchObject({
    component: 'nats',
    message:
      '/nonexistent/nats-server does not exist or is not executable; install it (Debian/Ubuntu: apt-get install nats-server)',
  });
  expect(await allFree([ports.mongo, ports.nats, ports.redis])).toBe(true);
});

test('stops the servers already started when a later one dies while starting', async () => {
  // `false` exists and exits at once with code 1, like a redis-server that rejects its arguments.
  const error = await startInfrastructure(options({ binaries: { redisServer: 'false' } })).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StackStartError);
  expect((error as Error).message).toMatch(/^redis exited with code 1 while starting: /);
  expect((error as Error).message).not.toContain('\n');
  expect(await allFree([ports.mongo, ports.nats, ports.redis])).toBe(true);
});

test('restarts a server that exits by itself, with its data, telling each step in one line', async () => {
  const notices: string[] = [];
  infrastructure = await startInfrastructure(options({ onNotice: (message) => notices.push(message) }));
  const redis = infrastructure.processes.find((server) => server.name === 'redis')!;
  const pidBefore = redis.pid();
  expect(await redisCommand(ports.redis, 'SET job 42')).toBe('+OK');

  await redisCommand(ports.redis, 'SHUTDOWN NOSAVE');
  await waitUntil(() => notices.length === 2, 10_000);
  expect(notices).toEqual([
    expect.stringMatching(/^redis exited with code 0: .+ \(see .*redis\.log\); restarting in 0\.5 s \(restart 1\)$/),
    'redis is back',
  ]);
  expect(redis.pid()).not.toBe(pidBefore);
  expect(await redisCommand(ports.redis, 'GET job')).toBe('$2');
});

test('restarts NATS and Redis on demand, with their data or without', async () => {
  infrastructure = await startInfrastructure(options());
  const natsUrl = infrastructure.urls.nats;
  const nats = await connect({ servers: natsUrl });
  try {
    await (await jetstreamManager(nats)).streams.add({ name: 'events', subjects: ['ticket.>'] });
    await jetstream(nats).publish('ticket.created', 'concert');
  } finally {
    await nats.close();
  }
  const natsServer = infrastructure.processes.find((server) => server.name === 'nats')!;
  const natsPid = natsServer.pid();

  await infrastructure.restartServer('nats');
  expect(natsServer.pid()).not.toBe(natsPid);
  expect(await streamMessages(natsUrl)).toEqual({ events: 1 });
  await infrastructure.restartServer('nats', { wipeData: true });
  expect(await streamMessages(natsUrl)).toEqual({});

  expect(await redisCommand(ports.redis, 'SET job 42')).toBe('+OK');
  await infrastructure.restartServer('redis');
  expect(await redisCommand(ports.redis, 'GET job')).toBe('$2');
  await infrastructure.restartServer('redis', { wipeData: true });
  expect(await redisCommand(ports.redis, 'GET job')).toBe('$-1');
});

test('refuses to restart a server it did not start', async () => {
  infrastructure = await startInfrastructure(options({ nats: { url: 'nats://nats.example:4222' } }));
  await expect(infrastructure.restartServer('nats')).rejects.toThrow(
    'nats was not started here: it is used at nats://nats.example:4222',
  );
});
