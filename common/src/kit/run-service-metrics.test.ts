// The metrics of a service started by runService (run-service.fixture.ts in a child process):
// its /metrics, on its own port, counts its requests, its events and its outbox, labelled with the
// name given to runService.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { publicJwks } from '../middlewares/jwt-keys';
import { metricValue } from '../testing/metrics';
import { startTestMongo, type TestMongo } from '../testing/mongo';
import { startNatsServer, type TestNatsServer } from '../testing/nats-server';
import { findFreePort } from '../testing/server-process';
import { TEST_JWT_KEYS } from '../testing/signin';
import { waitFor } from '../testing/wait';

const fixture = path.join(__dirname, 'run-service.fixture.ts');
const JWT_PUBLIC_KEYS = JSON.stringify(publicJwks(TEST_JWT_KEYS.publicKeys));
const SUBJECT = 'expiration.complete';
const CONSUMER = 'fixture-expiration-complete';

let mongo: TestMongo;
let nats: TestNatsServer;
let child: ChildProcessWithoutNullStreams | undefined;
let exited: Promise<number | null>;
let base: string;

async function scrape(): Promise<string> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

beforeAll(async () => {
  [mongo, nats] = await Promise.all([startTestMongo(), startNatsServer()]);
  const port = await findFreePort();
  child = spawn(process.execPath, ['-r', '@swc-node/register', fixture], {
    env: {
      PATH: process.env.PATH,
      LOG_LEVEL: 'silent',
      PUBLIC_ORIGIN: 'https://tickets.example.com',
      PORT: String(port),
      JWT_PUBLIC_KEYS,
      MONGO_URI: mongo.uri,
      NATS_URL: nats.url,
    },
  });
  child.stdout.resume();
  child.stderr.resume();
  exited = new Promise((resolve) => child!.once('exit', (code) => resolve(code)));
  base = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200, {
    timeoutMs: 20_000,
    description: 'the fixture service to be ready',
  });
}, 40_000);

afterAll(async () => {
  child?.kill('SIGTERM');
  await exited;
  await Promise.all([mongo?.stop(), nats?.stop()]);
}, 30_000);

it('counts requests by route template, events published and consumed, and reports the consumer and the outbox', async () => {
  expect((await fetch(`${base}/greeting`)).status).toBe(200);
  expect((await fetch(`${base}/no/such/route`)).status).toBe(404);
  expect((await fetch(`${base}/events`, { method: 'POST' })).status).toBe(201);

  // The event goes out through the outbox and comes back to the fixture's own listener.
  const text = await waitFor(async () => {
    const scraped = await scrape();
    return metricValue(scraped, 'events_consumed_total', { subject: SUBJECT, outcome: 'acked' }) === 1
      ? scraped
      : undefined;
  });
  const service = { service: 'fixture' };
  const requests = (labels: Record<string, string>) =>
    metricValue(text, 'http_request_duration_seconds_count', { ...service, ...labels });
  expect(requests({ method: 'GET', route: '/greeting', status_code: '200' })).toBe(1);
  expect(requests({ method: 'POST', route: '/events', status_code: '201' })).toBe(1);
  expect(requests({ method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
  expect(
    metricValue(text, 'events_published_total', { ...service, subject: SUBJECT, outcome: 'published' }),
  ).toBeGreaterThanOrEqual(1);
  expect(metricValue(text, 'events_published_total', { outcome: 'failed' })).toBeUndefined();
  expect(metricValue(text, 'event_handler_duration_seconds_count', { ...service, subject: SUBJECT })).toBe(1);
  expect(metricValue(text, 'jetstream_consumer_pending_messages', { ...service, consumer: CONSUMER })).toBe(0);
  expect(metricValue(text, 'jetstream_consumer_ack_pending_messages', { ...service, consumer: CONSUMER })).toBe(0);
  expect(metricValue(text, 'outbox_pending_records', service)).toBe(0);
  expect(metricValue(text, 'outbox_oldest_pending_age_seconds', service)).toBe(0);
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes']) {
    expect(metricValue(text, name, service)).toBeGreaterThan(0);
  }
});

it('reports an event left in the outbox while NATS is down, and its age, until the relay publishes it', async () => {
  await nats.kill();
  try {
    const recordedAt = Date.now();
    expect((await fetch(`${base}/events`, { method: 'POST' })).status).toBe(201);
    const text = await waitFor(async () => {
      const scraped = await scrape();
      return metricValue(scraped, 'outbox_oldest_pending_age_seconds')! > 0 ? scraped : undefined;
    });
    expect(metricValue(text, 'outbox_pending_records', { service: 'fixture' })).toBe(1);
    expect(metricValue(text, 'outbox_oldest_pending_age_seconds')).toBeLessThanOrEqual(
      (Date.now() - recordedAt + 1) / 1000,
    );
    // No consumer can be asked while NATS is down: its series are left out rather than made up.
    expect(metricValue(text, 'jetstream_consumer_pending_messages', { consumer: CONSUMER })).toBeUndefined();
  } finally {
    await nats.restart();
  }
  const text = await waitFor(
    async () => {
      const scraped = await scrape();
      return metricValue(scraped, 'outbox_pending_records') === 0 ? scraped : undefined;
    },
    { timeoutMs: 30_000, description: 'the relay to publish the event' },
  );
  expect(metricValue(text, 'outbox_oldest_pending_age_seconds')).toBe(0);
}, 60_000);
