import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import {
  findFreePort,
  metricValue,
  startNatsServer,
  startRedisServer,
  waitFor,
  type TestNatsServer,
  type TestRedisServer,
} from '@ticketing/common/testing';

const repositoryRoot = path.join(__dirname, '..', '..');
const main = path.join(__dirname, '..', 'src', 'main.ts');

interface RunningMain {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

function runMain(env: Record<string, string>): RunningMain {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', main], {
    cwd: repositoryRoot,
    // The base config maps @ticketing/common to its sources, as jest does.
    env: {
      PATH: process.env.PATH,
      LOG_LEVEL: 'info',
      SWC_NODE_PROJECT: 'tsconfig.base.json',
      PUBLIC_ORIGIN: 'https://tickets.example.com',
      ...env,
    },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

let nats: TestNatsServer;
let redis: TestRedisServer;

beforeAll(async () => {
  [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
});

afterAll(async () => {
  await Promise.all([nats.stop(), redis.stop()]);
});

it('starts, is ready with Redis and NATS, serves /metrics and shuts down cleanly on SIGTERM', async () => {
  const port = await findFreePort();
  const service = runMain({ PORT: String(port), NATS_URL: nats.url, REDIS_URL: redis.url });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200, {
      timeoutMs: 20_000,
      description: 'the service to be ready',
    });
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({
      status: 'ok',
      checks: { listeners: 'ok', nats: 'ok', redis: 'ok' },
    });
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(metricValue(text, 'expiration_jobs_fired_total', { service: 'expiration' })).toBe(0);
    expect(metricValue(text, 'expiration_queue_jobs', { service: 'expiration', state: 'delayed' })).toBe(0);
    expect(metricValue(text, 'process_cpu_seconds_total', { service: 'expiration' })).toBeGreaterThan(0);
    for (const consumer of ['expiration-order-created', 'expiration-order-cancelled']) {
      expect(metricValue(text, 'jetstream_consumer_pending_messages', { consumer })).toBe(0);
    }

    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    for (const step of [
      'listener expiration-order-created',
      'expiration worker',
      'expiration queue',
      'redis',
      'nats',
    ]) {
      expect(service.output()).toContain(`"step":"${step}"`);
    }
  } finally {
    service.child.kill('SIGKILL');
  }
}, 40_000);

it('exits 1 with one clear line when Redis is unreachable at start-up', async () => {
  const deadRedisPort = await findFreePort();
  const service = runMain({
    PORT: String(await findFreePort()),
    NATS_URL: nats.url,
    REDIS_URL: `redis://127.0.0.1:${deadRedisPort}`,
    REDIS_CONNECT_TIMEOUT_MS: '1000',
  });
  try {
    expect(await service.exited).toBe(1);
    const lines = service.output().trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1]) as { level: number; msg: string };
    expect(last.level).toBe(60);
    expect(last.msg).toBe(
      `cannot start: Redis at 127.0.0.1:${deadRedisPort} not reachable within 1000 ms (connect ECONNREFUSED 127.0.0.1:${deadRedisPort})`,
    );
    expect(lines.filter((line) => line.includes('Redis'))).toHaveLength(1);
  } finally {
    service.child.kill('SIGKILL');
  }
}, 30_000);

it('exits 1 naming REDIS_URL when it is missing or not a redis URL', async () => {
  const service = runMain({ PORT: String(await findFreePort()), NATS_URL: nats.url, REDIS_URL: 'http://x' });
  expect(await service.exited).toBe(1);
  expect(service.output()).toContain('REDIS_URL: must be a redis:// or rediss:// URL');
}, 30_000);
