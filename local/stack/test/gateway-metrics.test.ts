// /metrics is for Prometheus on each service's own port: the gateway, like the Ingress, never hands
// it to a service, however the path is written.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, createServiceApp } from '@ticketing/common';
import { Router } from 'express';
import { startGateway, type Gateway } from '../src/gateway';

let service: Server;
let client: Server;
let gateway: Gateway;
let servicePort: number;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** GET `path` exactly as written (fetch would resolve its dot segments first). */
function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const router = Router();
  router.get('/api/tickets/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  // A real service app: the kit serves /metrics on it.
  service = createServer(createServiceApp({ logger: createLogger('tickets', { level: 'silent' }), routers: [router] }));
  servicePort = await listen(service);
  client = createServer((_req, res) => res.end('client page'));
  const clientPort = await listen(client);
  gateway = await startGateway({
    host: '127.0.0.1',
    port: 0,
    routes: [{ prefix: '/api/tickets', service: 'tickets', ports: [servicePort] }],
    clientPorts: [clientPort],
    landingPage: (_req, res) => res.end('landing page'),
  });
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([service, client].map((server) => new Promise((resolve) => server?.close(resolve))));
});

const gatewayPort = () => Number(new URL(gateway.url).port);
const PROMETHEUS_SERIES = /^process_cpu_seconds_total\{/m;

test('the service serves its metrics on its own port (what the gateway must not pass on)', async () => {
  const direct = await get(servicePort, '/metrics');
  expect(direct.status).toBe(200);
  expect(direct.body).toMatch(PROMETHEUS_SERIES);
});

test.each([
  '/metrics',
  '/metrics?format=prometheus',
  '//metrics',
  '/api/metrics',
  '/api/tickets/metrics',
  '/api/tickets/../../metrics',
  '/api/tickets/%2e%2e/%2e%2e/metrics',
  '/api/tickets/..%2F..%2Fmetrics',
])('GET %s through the gateway does not reach a service metrics', async (path) => {
  const { body } = await get(gatewayPort(), path);
  expect(body).not.toMatch(PROMETHEUS_SERIES);
});

test.each(['/metrics', '/api/tickets/../../metrics', '/api/tickets/%2E%2E/%2e%2e/metrics?x=1'])(
  'GET %s through the gateway goes to the web client, like every path outside /api',
  async (path) => {
    expect((await get(gatewayPort(), path)).body).toBe('client page');
  },
);

test('a path with dot segments is routed, and forwarded, as resolved', async () => {
  const { status, body } = await get(gatewayPort(), '/api/users/../tickets/./abc?x=1');
  expect(status).toBe(200);
  expect(JSON.parse(body)).toEqual({ id: 'abc' });
});
