import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { connectBus, EVENT_STREAM, type Bus } from '../events/bus';
import { Subjects } from '../events/subjects';
import { createLogger } from './logger';
import { privateJwk, publicJwks } from '../middlewares/jwt-keys';
import { startTestMongo, type TestMongo } from '../testing/mongo';
import { startNatsServer, type TestNatsServer } from '../testing/nats-server';
import { findFreePort } from '../testing/server-process';
import { TEST_JWT_KEYS } from '../testing/signin';
import { waitFor, waitForEvent } from '../testing/wait';

const fixture = path.join(__dirname, 'run-service.fixture.ts');
const JWT_PUBLIC_KEYS = JSON.stringify(publicJwks(TEST_JWT_KEYS.publicKeys));

interface RunningFixture {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

const PUBLIC_ORIGIN = 'https://tickets.example.com';

function runFixture(env: Record<string, string>): RunningFixture {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', fixture], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'info', PUBLIC_ORIGIN, ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

let mongo: TestMongo;
let nats: TestNatsServer;
let bus: Bus;

beforeAll(async () => {
  [mongo, nats] = await Promise.all([startTestMongo(), startNatsServer()]);
  bus = await connectBus({ servers: nats.url, name: 'run-service-test', logger: createLogger('test') });
});

afterAll(async () => {
  await bus.close();
  await Promise.all([mongo.stop(), nats.stop()]);
});

it('starts from the environment, is ready, publishes through the outbox and shuts down cleanly on SIGTERM, ending open streams', async () => {
  const port = await findFreePort();
  const service = runFixture({
    PORT: String(port),
    JWT_PUBLIC_KEYS,
    MONGO_URI: mongo.uri,
    NATS_URL: nats.url,
    GREETING: 'hi',
    // Not loopback, where this test connects from: its X-Forwarded-* must be ignored.
    TRUST_PROXY: '192.0.2.1',
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200, {
      timeoutMs: 20_000,
      description: 'the fixture service to be ready',
    });
    expect(await (await fetch(`${base}/greeting`)).json()).toEqual({ greeting: 'hi' });
    const spoofed = { 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'https' };
    expect(await (await fetch(`${base}/client`, { headers: spoofed })).json()).toEqual({
      ip: '127.0.0.1',
      protocol: 'http',
    });
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({
      status: 'ok',
      checks: { mongo: 'ok', nats: 'ok', listeners: 'ok' },
    });

    // PUBLIC_ORIGIN reached the app: a page of another site may not write, one of ours may.
    const crossSite = await fetch(`${base}/events`, { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    const sameSite = await fetch(`${base}/events`, { method: 'POST', headers: { origin: PUBLIC_ORIGIN } });
    const { eventId } = (await sameSite.json()) as { eventId: string };
    const event = await waitForEvent(bus, Subjects.ExpirationComplete);
    expect(event.data).toEqual({ orderId: '6b01f1392dad1b761be159a8' });
    expect(event.msg.headers?.get('Nats-Msg-Id')).toBe(eventId);

    const stream = await fetch(`${base}/stream`);
    const streamBody = stream.text();

    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(await streamBody).toBe(': open\n\n');
    expect(service.output()).toContain('fixture task stopped');
  } finally {
    service.child.kill('SIGKILL');
  }
}, 40_000);

it('exits 1 with one line naming every missing or malformed variable', async () => {
  const service = runFixture({
    PORT: 'eighty',
    MONGO_URI: 'postgres://nope',
    PUBLIC_ORIGIN: 'tickets.example.com',
    // auth's private key where only public keys belong
    JWT_PUBLIC_KEYS: JSON.stringify({ keys: [privateJwk(TEST_JWT_KEYS.privateKey)] }),
  });
  expect(await service.exited).toBe(1);
  const lines = service.output().trim().split('\n');
  expect(lines).toHaveLength(1);
  const { msg } = JSON.parse(lines[0]) as { msg: string };
  expect(msg).toContain('PORT');
  expect(msg).toContain('MONGO_URI');
  expect(msg).toContain('NATS_URL');
  expect(msg).toContain(
    `JWT_PUBLIC_KEYS: key 1 (kid "${TEST_JWT_KEYS.privateKey.kid}") is a private key: give only public keys (no d)`,
  );
  expect(msg).toContain('PUBLIC_ORIGIN: must be a comma-separated list of origins');
}, 20_000);

it('exits 1 naming TRUST_PROXY when it is not a list of proxies', async () => {
  const service = runFixture({ PORT: String(await findFreePort()), TRUST_PROXY: 'the ingress' });
  expect(await service.exited).toBe(1);
  const lines = service.output().trim().split('\n');
  expect(lines).toHaveLength(1);
  expect((JSON.parse(lines[0]) as { msg: string }).msg).toContain(
    'TRUST_PROXY: must be a comma-separated list of IP addresses, CIDR ranges or loopback, linklocal, uniquelocal ' +
      '(invalid IP address: the ingress)',
  );
}, 20_000);

it('exits 1 naming NATS_STREAM_REPLICAS when it is not a replica count', async () => {
  const service = runFixture({ PORT: String(await findFreePort()), NATS_STREAM_REPLICAS: '7' });
  expect(await service.exited).toBe(1);
  const lines = service.output().trim().split('\n');
  expect(lines).toHaveLength(1);
  expect((JSON.parse(lines[0]) as { msg: string }).msg).toContain(
    'NATS_STREAM_REPLICAS: must be an integer from 1 to 5',
  );
}, 20_000);

it('exits 1 saying why when NATS cannot hold the event streams with NATS_STREAM_REPLICAS copies', async () => {
  const service = runFixture({
    PORT: String(await findFreePort()),
    JWT_PUBLIC_KEYS,
    MONGO_URI: mongo.uri,
    NATS_URL: nats.url,
    // This test's nats-server is a single server.
    NATS_STREAM_REPLICAS: '3',
  });
  expect(await service.exited).toBe(1);
  const fatal = service
    .output()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((line) => line.level === 60);
  expect(fatal).toHaveLength(1);
  expect(fatal[0].msg).toContain('stream TICKETING cannot have 3 replicas (NATS_STREAM_REPLICAS)');
  expect(fatal[0].msg).toContain('it needs a NATS cluster of at least 3 JetStream servers');
}, 20_000);

it('is not ready while a listener is not consuming: its consumer deleted, until it re-created it', async () => {
  const port = await findFreePort();
  const service = runFixture({ PORT: String(port), JWT_PUBLIC_KEYS, MONGO_URI: mongo.uri, NATS_URL: nats.url });
  try {
    const readyz = async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status;
    await waitFor(async () => (await readyz()) === 200, { timeoutMs: 20_000, description: 'the fixture to be ready' });

    const jsm = await bus.jetstreamManager();
    await jsm.consumers.delete(EVENT_STREAM, 'fixture-expiration-complete');
    await waitFor(async () => (await readyz()) === 503, { description: 'the fixture to be unready' });
    await waitFor(async () => (await readyz()) === 200, { description: 'the fixture to be ready again' });
    await jsm.consumers.info(EVENT_STREAM, 'fixture-expiration-complete');
  } finally {
    service.child.kill('SIGKILL');
  }
}, 40_000);

it.each([
  { failure: 'background', step: 'background task', message: 'cannot start: background task broken on purpose' },
  {
    failure: 'listener',
    step: 'listener',
    message: 'cannot start listener fixture-expiration-complete: consumer settings refused',
  },
  {
    failure: 'readiness-checks',
    step: 'readiness checks',
    message: 'cannot start: readiness checks broken on purpose',
  },
  { failure: 'create-app', step: 'app', message: 'cannot start: createApp broken on purpose' },
])(
  'exits 1 with one line when its $step cannot start',
  async ({ failure, message }) => {
    const service = runFixture({
      PORT: String(await findFreePort()),
      JWT_PUBLIC_KEYS,
      MONGO_URI: mongo.uri,
      NATS_URL: nats.url,
      FIXTURE_FAILURE: failure,
      LOG_LEVEL: 'fatal',
    });
    try {
      expect(await service.exited).toBe(1);
    } finally {
      service.child.kill('SIGKILL');
    }
    const lines = service.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 60, msg: message });
  },
  20_000,
);
