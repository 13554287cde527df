import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { requestMessages } from '@ticketing/common';
import { ROUTE_NOT_FOUND_MESSAGE, startGateway, type Gateway, type GatewayRoute } from '../src/gateway';
import { freePorts, waitUntil } from './helpers';

interface Seen {
  instance: string;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let upstreams: Server[];
let seen: Seen[];
let landingPageRequests: string[];
let gateway: Gateway | undefined;

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstreams.push(server);
  return (server.address() as AddressInfo).port;
}

/** A stand-in service or client instance that answers with its name and records what reached it. */
function instance(name: string): Promise<number> {
  return listening(
    createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen.push({ instance: name, method: req.method!, url: req.url!, headers: req.headers, body });
        res.writeHead(201, { 'content-type': 'application/json', 'set-cookie': ['session=abc; path=/'] });
        res.end(JSON.stringify({ instance: name }));
      });
    }),
  );
}

async function start(routes: GatewayRoute[], clientPorts?: number[], isStopping?: (port: number) => boolean) {
  gateway = await startGateway({
    host: '127.0.0.1',
    port: 0,
    routes,
    clientPorts,
    isStopping,
    landingPage: (req, res) => {
      landingPageRequests.push(`${req.method} ${req.url}`);
      res.end('landing page');
    },
  });
  return gateway.url;
}

beforeEach(() => {
  upstreams = [];
  seen = [];
  landingPageRequests = [];
});

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  await Promise.all(upstreams.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Which instance answered `path`, or 'landing page'. */
async function answeredBy(url: string, path: string): Promise<string> {
  const text = await (await fetch(`${url}${path}`)).text();
  return text === 'landing page' ? text : (JSON.parse(text) as { instance: string }).instance;
}

test('routes by path prefix like the ingress, every path outside /api to the client', async () => {
  const url = await start(
    [
      { prefix: '/api/users', service: 'auth', ports: [await instance('auth')] },
      { prefix: '/api/tickets', service: 'tickets', ports: [await instance('tickets')] },
    ],
    [await instance('client')],
  );
  expect(await answeredBy(url, '/api/users/currentuser')).toBe('auth');
  expect(await answeredBy(url, '/api/users')).toBe('auth');
  expect(await answeredBy(url, '/api/tickets?limit=5')).toBe('tickets');
  expect(await answeredBy(url, '/api/tickets/abc')).toBe('tickets');
  expect(await answeredBy(url, '/')).toBe('client');
  expect(await answeredBy(url, '/orders/1?x=1')).toBe('client');
  expect(await answeredBy(url, '/apis')).toBe('client');
  expect(await answeredBy(url, '/docs/api/users')).toBe('client');
  expect(await answeredBy(url, '/_next/static/chunks/main.js')).toBe('client');
  expect(seen.find(({ instance }) => instance === 'client')?.headers).toMatchObject({
    'x-forwarded-for': '127.0.0.1',
    'x-forwarded-host': new URL(url).host,
  });
});

test('starts a trace for a request without a valid traceparent and passes a valid one on unchanged', async () => {
  const url = await start([{ prefix: '/api/tickets', service: 'tickets', ports: [await instance('tickets')] }]);
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const sent: (string | undefined)[] = [
    undefined,
    undefined,
    traceparent,
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    'not a traceparent',
  ];
  for (const header of sent) {
    await fetch(`${url}/api/tickets`, { headers: header ? { traceparent: header, tracestate: 'k=v' } : {} });
  }
  const received = seen.map(({ headers }) => headers);
  const started = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;
  expect(received.map((headers) => headers.traceparent)).toEqual([
    expect.stringMatching(started),
    expect.stringMatching(started),
    traceparent,
    expect.stringMatching(started),
    expect.stringMatching(started),
  ]);
  // A new trace each time, not one shared by everything through the gateway.
  const traceIds = received.map((headers) => String(headers.traceparent).split('-')[1]);
  expect(new Set(traceIds).size).toBe(5);
  expect(received.map((headers) => headers.tracestate)).toEqual([undefined, undefined, 'k=v', undefined, undefined]);
});

test('serves the landing page at /api, and at every path outside /api when the client does not run', async () => {
  const url = await start([{ prefix: '/api/tickets', service: 'tickets', ports: [await instance('tickets')] }]);
  for (const path of ['/api', '/api/', '/api?x=1', '/', '/tickets/new']) {
    expect(await answeredBy(url, path)).toBe('landing page');
  }
  expect(landingPageRequests).toEqual(['GET /api', 'GET /api/', 'GET /api?x=1', 'GET /', 'GET /tickets/new']);
});

test.each(['/api/nothing', '/api/ticketsx', '/api/nothing/deeper?x=1', '/api//'])(
  'answers %s, which no service claims, itself with the JSON 404 services give for an unknown route',
  async (path) => {
    const url = await start(
      [{ prefix: '/api/tickets', service: 'tickets', ports: [await instance('tickets')] }],
      [await instance('client')],
    );

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
    expect(landingPageRequests).toEqual([]);
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

test('passes on the body of a request that expects a 100 Continue first, as curl sends a large one', async () => {
  const url = await start([{ prefix: '/api/tickets', service: 'tickets', ports: [await instance('tickets')] }]);
  const body = JSON.stringify({ title: 'x'.repeat(2000) });
  const status = await new Promise<number | undefined>((resolve, reject) => {
    const request = httpRequest(`${url}/api/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', expect: '100-continue' },
    });
    request.once('continue', () => request.end(body));
    request.once('response', (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.once('error', reject);
  });
  expect(status).toBe(201);
  expect(seen).toEqual([expect.objectContaining({ method: 'POST', body })]);
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

test('sends nothing new to an instance that is stopping while another is not, and to it when all are', async () => {
  const stopping = new Set<number>();
  const first = await instance('orders#1');
  const second = await instance('orders#2');
  const url = await start([{ prefix: '/api/orders', service: 'orders', ports: [first, second] }], undefined, (port) =>
    stopping.has(port),
  );
  stopping.add(first);
  for (let i = 0; i < 3; i++) await fetch(`${url}/api/orders`, { method: 'POST', body: `order ${i}` });
  stopping.add(second);
  await fetch(`${url}/api/orders`, { method: 'POST', body: 'order 3' });
  stopping.clear();
  await fetch(`${url}/api/orders`, { method: 'POST', body: 'order 4' });
  expect(seen.map(({ instance, body }) => `${instance}: ${body}`)).toEqual([
    'orders#2: order 0',
    'orders#2: order 1',
    'orders#2: order 2',
    'orders#2: order 3',
    'orders#1: order 4',
  ]);
});

test('sends a GET on to the next instance when one fails before answering (killed with it), never a POST', async () => {
  // Takes each request and drops its connection, as an instance killed while it had the request.
  const dropping = await listening(createServer((req) => req.socket.destroy()));
  const url = await start([
    { prefix: '/api/orders', service: 'orders', ports: [dropping, await instance('orders#2')] },
  ]);
  expect(await answeredBy(url, '/api/orders/1')).toBe('orders#2');
  expect(await answeredBy(url, '/api/orders/2')).toBe('orders#2');
  // The dropping instance's turn again: a POST that may have been carried out is not sent twice.
  const post = await fetch(`${url}/api/orders`, { method: 'POST', body: '{}' });
  expect(post.status).toBe(502);
  expect(await post.json()).toEqual({ errors: [{ message: 'The orders service did not answer' }] });
  expect(seen.map(({ instance, method, url: path }) => `${instance}: ${method} ${path}`)).toEqual([
    'orders#2: GET /api/orders/1',
    'orders#2: GET /api/orders/2',
  ]);
});

test('502 in the API error format when no instance accepts connections', async () => {
  const [first, second] = await freePorts(2);
  const url = await start([{ prefix: '/api/payments', service: 'payments', ports: [first, second] }]);
  const response = await fetch(`${url}/api/payments`, { method: 'POST', body: '{}' });
  expect(response.status).toBe(502);
  expect(await response.json()).toEqual({ errors: [{ message: 'The payments service is not available' }] });
});

test('502 in the API error format when the client does not accept connections', async () => {
  const [stopped] = await freePorts(1);
  const url = await start([], [stopped]);
  const response = await fetch(`${url}/tickets/new`);
  expect(response.status).toBe(502);
  expect(await response.json()).toEqual({ errors: [{ message: 'The web client is not available' }] });
});

/** The headers of the gateway's own answers, as helmet sets them for the services too. */
function expectOwnSecurityHeaders(headers: Headers): void {
  expect({
    nosniff: headers.get('x-content-type-options'),
    frameOptions: headers.get('x-frame-options'),
    referrerPolicy: headers.get('referrer-policy'),
    csp: headers.get('content-security-policy'),
  }).toEqual({
    nosniff: 'nosniff',
    frameOptions: 'DENY',
    referrerPolicy: 'no-referrer',
    csp: expect.stringContaining("frame-ancestors 'none'"),
  });
}

test('its own answers carry the security headers: landing page, 404 and 502', async () => {
  const [stopped] = await freePorts(1);
  const url = await start([{ prefix: '/api/payments', service: 'payments', ports: [stopped] }]);
  const answers = [
    await fetch(`${url}/api`),
    await fetch(`${url}/api/nothing`),
    await fetch(`${url}/api/payments`, { method: 'POST', body: '{}' }),
  ];
  expect(answers.map((answer) => answer.status)).toEqual([200, 404, 502]);
  for (const answer of answers) expectOwnSecurityHeaders(answer.headers);
});

test("a proxied answer keeps its own security headers and gets the gateway's only where it has none", async () => {
  const port = await listening(
    createServer((_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/html',
        'content-security-policy': "default-src 'self' https://js.stripe.com",
        'x-frame-options': 'SAMEORIGIN',
      });
      res.end('<p>page</p>');
    }),
  );
  const url = await start([], [port]);
  const response = await fetch(`${url}/tickets`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-security-policy')).toBe("default-src 'self' https://js.stripe.com");
  expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
});

test('streams server-sent events as they are sent, and ends the stream upstream when the browser leaves', async () => {
  let upstreamClosed = false;
  const events = await listening(
    createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('event: status\ndata: {"status":"created"}\n\n');
      // Nothing more and no end: the event has to reach the browser on its own.
      res.once('close', () => (upstreamClosed = true));
    }),
  );
  const url = await start([{ prefix: '/api/orders', service: 'orders', ports: [events] }]);

  const browser = new AbortController();
  const response = await fetch(`${url}/api/orders/1/events`, { signal: browser.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/event-stream');
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let received = '';
  while (!received.endsWith('\n\n')) received += (await reader.read()).value;
  expect(received).toBe('event: status\ndata: {"status":"created"}\n\n');
  expect(upstreamClosed).toBe(false);

  browser.abort();
  await waitUntil(() => upstreamClosed);
}, 10_000);

/** A WebSocket endpoint that echoes text messages (short and unfragmented: all a test sends). */
function webSocketEchoServer(): Promise<number> {
  const server = createServer();
  server.on('upgrade', (req, socket: Socket) => {
    seen.push({ instance: 'websocket', method: req.method!, url: req.url!, headers: req.headers, body: '' });
    const accept = createHash('sha1')
      .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    socket.on('data', (frame: Buffer) => {
      const [finAndOpcode, maskAndLength] = frame;
      const length = maskAndLength & 0x7f;
      const mask = frame.subarray(2, 6);
      const payload = frame.subarray(6, 6 + length).map((byte, index) => byte ^ mask[index % 4]);
      // Sent back unmasked, as a server must; a close frame is answered with one and the end.
      socket.write(Buffer.concat([Buffer.from([finAndOpcode, length]), payload]));
      if ((finAndOpcode & 0x0f) === 0x8) socket.end();
    });
    // The gateway going away ends the connection: the endpoint closes its side too.
    socket.once('end', () => socket.end());
  });
  return listening(server);
}

/** Sends `message` to a WebSocket with Node's own client (in a child: behind a flag in Node 20) and resolves with the echo. */
function webSocketRoundTrip(url: string, message: string): Promise<string> {
  const script = `
    const socket = new WebSocket(process.argv[1]);
    socket.onopen = () => socket.send(process.argv[2]);
    socket.onmessage = (event) => { process.stdout.write(event.data); socket.close(); };
    socket.onerror = () => process.exit(1);`;
  const flags = process.allowedNodeEnvironmentFlags.has('--experimental-websocket') ? ['--experimental-websocket'] : [];
  const child = spawn(process.execPath, [...flags, '-e', script, url, message], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let echoed = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (echoed += chunk));
  return new Promise((resolve, reject) => {
    child.once('close', (code) => (code === 0 ? resolve(echoed) : reject(new Error(`the WebSocket failed (${code})`))));
  });
}

test('passes WebSocket upgrades on, such as the hot reload of the client in development', async () => {
  const url = await start(
    [{ prefix: '/api/tickets', service: 'tickets', ports: [await instance('tickets')] }],
    [await webSocketEchoServer()],
  );
  const webSocketUrl = `${url.replace('http:', 'ws:')}/_next/hmr?id=1`;

  expect(await webSocketRoundTrip(webSocketUrl, 'hello through the gateway')).toBe('hello through the gateway');
  expect(seen).toEqual([expect.objectContaining({ instance: 'websocket', method: 'GET', url: '/_next/hmr?id=1' })]);
  expect(seen[0].headers).toMatchObject({ 'x-forwarded-for': '127.0.0.1', upgrade: 'websocket' });
  await expect(webSocketRoundTrip(`${url.replace('http:', 'ws:')}/api/nothing`, 'hello')).rejects.toThrow(
    'the WebSocket failed',
  );
});

test('stops with WebSocket connections open, closing them', async () => {
  const url = await start([], [await webSocketEchoServer()]);
  const socket = await new Promise<Socket>((resolve, reject) => {
    const request = httpRequest(`${url}/_next/hmr`, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-version': '13',
      },
    });
    request.once('upgrade', (_response, upgraded: Socket) => resolve(upgraded));
    request.once('error', reject);
    request.end();
  });
  // Read, as a WebSocket client does: the end of the connection is seen only by a reader.
  socket.resume();
  const closed = new Promise((resolve) => socket.once('close', resolve));

  await gateway!.stop();
  gateway = undefined;
  await closed;
});
