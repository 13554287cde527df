import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestMessages } from '@ticketing/common';
import { ROUTE_NOT_FOUND_MESSAGE, startGateway, type Gateway } from '../src/gateway';
import { freePorts } from './helpers';

interface Seen {
  instance: string;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let upstreams: Server[];
let seen: Seen[];
let fallbackRequests: string[];
let gateway: Gateway | undefined;

/** A stand-in service instance that answers with its name and records what reached it. */
async function instance(name: string): Promise<number> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ instance: name, method: req.method!, url: req.url!, headers: req.headers, body });
      res.writeHead(201, { 'content-type': 'application/json', 'set-cookie': ['session=abc; path=/'] });
      res.end(JSON.stringify({ instance: name }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstreams.push(server);
  return (server.address() as AddressInfo).port;
}

async function start(routes: { prefix: string; service: string; ports: number[] }[]) {
  gateway = await startGateway({
    host: '127.0.0.1',
    port: 0,
    routes,
    fallback: (req, res) => {
      fallbackRequests.push(`${req.method} ${req.url}`);
      res.end('fallback');
    },
  });
  return gateway.url;
}

beforeEach(() => {
  upstreams = [];
  seen = [];
  fallbackRequests = [];
});

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  await Promise.all(upstreams.map((server) => new Promise((resolve) => server.close(resolve))));
});

test('routes by path prefix like the ingress, every path outside /api to the fallback', async () => {
  const url = await start([
    { prefix: '/api/users', service: 'auth', ports: [await instance('auth')] },
    { prefix: '/api/tickets', service: 'tickets', ports: [await instance('tickets')] },
  ]);
  const answeredBy = async (path: string) => {
    const response = await fetch(`${url}${path}`);
    const text = await response.text();
    return text === 'fallback' ? 'fallback' : (JSON.parse(text) as { instance: string }).instance;
  };
  expect(await answeredBy('/api/users/currentuser')).toBe('auth');
  expect(await answeredBy('/api/users')).toBe('auth');
  expect(await answeredBy('/api/tickets?limit=5')).toBe('tickets');
  expect(await answeredBy('/api/tickets/abc')).toBe('tickets');
  expect(await answeredBy('/')).toBe('fallback');
  expect(await answeredBy('/orders/1')).toBe('fallback');
  expect(await answeredBy('/apis')).toBe('fallback');
  expect(await answeredBy('/docs/api/users')).toBe('fallback');
});

test.each(['/api/nothing', '/api', '/api/', '/api/ticketsx', '/api/nothing/deeper?x=1'])(
  'answers %s, which no service claims, itself with the JSON 404 services give for an unknown route',
  async (path) => {
    const url = await start([{ prefix: '/api/tickets', service: 'tickets', ports: [await instance('tickets')] }]);

    const get = await fetch(`${url}${path}`);
    const post = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Concert' }),
    });

    for (const response of [get, post]) {
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(await response.json()).toEqual({ errors: [{ message: 'No such route: check the method and the path' }] });
    }
    expect(seen).toEqual([]);
    expect(fallbackRequests).toEqual([]);
  },
);

test('words the unknown-route 404 exactly as the services do', () => {
  expect(ROUTE_NOT_FOUND_MESSAGE).toBe(requestMessages.routeNotFound);
});

test('passes method, path, body, cookies and X-Forwarded-* on, and the answer back', async () => {
  const url = await start([{ prefix: '/api/tickets', service: 'tickets', ports: [await instance('tickets')] }]);
  const response = await fetch(`${url}/api/tickets?x=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: 'session=xyz', 'x-forwarded-for': '6.6.6.6' },
    body: JSON.stringify({ title: 'Concert' }),
  });
  expect(response.status).toBe(201);
  expect(response.headers.getSetCookie()).toEqual(['session=abc; path=/']);
  expect(await response.json()).toEqual({ instance: 'tickets' });
  expect(seen).toEqual([
    expect.objectContaining({ method: 'POST', url: '/api/tickets?x=1', body: '{"title":"Concert"}' }),
  ]);
  expect(seen[0].headers).toMatchObject({
    cookie: 'session=xyz',
    // A client's own claim is replaced: the gateway is the edge.
    'x-forwarded-for': '127.0.0.1',
    'x-forwarded-proto': 'http',
    'x-forwarded-host': new URL(url).host,
  });
});

test('takes the instances in turn and skips one that refuses connections, body included', async () => {
  const [stopped] = await freePorts(1);
  const url = await start([
    {
      prefix: '/api/orders',
      service: 'orders',
      ports: [await instance('orders#1'), stopped, await instance('orders#3')],
    },
  ]);
  for (let i = 0; i < 6; i++) {
    const response = await fetch(`${url}/api/orders`, { method: 'POST', body: `order ${i}` });
    expect(response.status).toBe(201);
  }
  expect(seen.map(({ instance, body }) => `${instance}: ${body}`)).toEqual([
    'orders#1: order 0',
    'orders#3: order 1',
    'orders#3: order 2',
    'orders#1: order 3',
    'orders#3: order 4',
    'orders#3: order 5',
  ]);
});

test('502 in the API error format when no instance accepts connections', async () => {
  const [first, second] = await freePorts(2);
  const url = await start([{ prefix: '/api/payments', service: 'payments', ports: [first, second] }]);
  const response = await fetch(`${url}/api/payments`, { method: 'POST', body: '{}' });
  expect(response.status).toBe(502);
  expect(await response.json()).toEqual({ errors: [{ message: 'The payments service is not available' }] });
});
