// OTLP export switched on by the standard variables, end to end: a service started by runService (the
// fixture, in a child process) sends its spans to a collector stand-in on loopback, and nothing when
// the variables say not to.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { publicJwks } from '../middlewares/jwt-keys';
import { startTestMongo, type TestMongo } from '../testing/mongo';
import { startNatsServer, type TestNatsServer } from '../testing/nats-server';
import { findFreePort } from '../testing/server-process';
import { TEST_JWT_KEYS } from '../testing/signin';
import { waitFor } from '../testing/wait';

const fixture = path.join(__dirname, 'run-service.fixture.ts');

interface OtlpRequest {
  method: string;
  url: string;
  contentType: string;
  body: Buffer;
}

let mongo: TestMongo;
let nats: TestNatsServer;
let collector: Server;
let collectorUrl: string;
const received: OtlpRequest[] = [];

beforeAll(async () => {
  [mongo, nats] = await Promise.all([startTestMongo(), startNatsServer()]);
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        body: Buffer.concat(chunks),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => collector.close(resolve));
  await Promise.all([mongo.stop(), nats.stop()]);
});

/** Runs the fixture with `env`, requests GET /greeting once ready, stops it with SIGTERM; its exit code and output. */
async function greetOnce(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const port = await findFreePort();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', fixture], {
    env: {
      PATH: process.env.PATH,
      LOG_LEVEL: 'info',
      PUBLIC_ORIGIN: 'https://tickets.example.com',
      PORT: String(port),
      JWT_PUBLIC_KEYS: JSON.stringify(publicJwks(TEST_JWT_KEYS.publicKeys)),
      MONGO_URI: mongo.uri,
      NATS_URL: nats.url,
      ...env,
    },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const base = `http://127.0.0.1:${port}`;
    let hasExited = false;
    void exited.then(() => (hasExited = true));
    const state = await waitFor(
      async () => {
        if (hasExited) return 'exited';
        return (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200 ? 'ready' : undefined;
      },
      { timeoutMs: 20_000, description: 'the fixture service to be ready or gone' },
    );
    if (state === 'ready') {
      expect((await fetch(`${base}/greeting`)).status).toBe(200);
      child.kill('SIGTERM');
    }
    return { code: await exited, output };
  } finally {
    child.kill('SIGKILL');
  }
}

it("exports the service's spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, flushed by the graceful shutdown", async () => {
  received.length = 0;
  const { code, output } = await greetOnce({ OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl });
  expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('exporting traces over OTLP') });
  const traces = received.filter((each) => each.url === '/v1/traces');
  expect(traces.length).toBeGreaterThan(0);
  expect(traces[0].method).toBe('POST');
  const bodies = Buffer.concat(traces.map((each) => each.body)).toString('latin1');
  // The request's SERVER span, named by its route, from the service runService named.
  expect(bodies).toContain('GET /greeting');
  expect(bodies).toContain('fixture');
});

it('exports nothing when OTEL_TRACES_EXPORTER=none, even with an endpoint', async () => {
  received.length = 0;
  const { code, output } = await greetOnce({ OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, OTEL_TRACES_EXPORTER: 'none' });
  expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('fixture listening') });
  expect(output).not.toContain('exporting traces over OTLP');
  // The shutdown has flushed whatever there was to send.
  expect(received).toEqual([]);
});

it('refuses to start with an OTEL variable it cannot follow', async () => {
  const { code, output } = await greetOnce({ OTEL_TRACES_EXPORTER: 'zipkin' });
  expect(code).toBe(1);
  expect(output).toContain('OTEL_TRACES_EXPORTER: must be otlp or none');
});
