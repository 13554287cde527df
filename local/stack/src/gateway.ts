import { randomBytes } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import helmet from 'helmet';
import { createProxyServer } from 'http-proxy-3';

/** One rule of the ingress: requests under `prefix` go to the instances of `service`. */
export interface GatewayRoute {
  /** E.g. '/api/users': matches /api/users itself and every path below it. */
  prefix: string;
  service: string;
  /** Loopback ports of the service's instances, taken in turn. */
  ports: number[];
}

export interface GatewayOptions {
  host: string;
  port: number;
  routes: GatewayRoute[];
  /** Loopback ports of the web client, which gets every path outside /api; unset: it does not run. */
  clientPorts?: number[];
  /**
   * Answers /mail and every path below it: the local mail sink's inbox (see @ticketing/mail-sink),
   * which only the one-machine stack has (the ingress has no such route). Unset: they are the client's.
   */
  mailInbox?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Answers GET /api and /api/, and every path outside /api when the client does not run. */
  landingPage: (req: IncomingMessage, res: ServerResponse) => void;
  /** Told about requests that could not reach their service. */
  onProxyError?: (message: string) => void;
  /**
   * Whether the instance on `port` has been asked to stop (SIGTERM): it gets no new requests while
   * another instance of its service is not stopping, as Kubernetes takes a terminating pod out of
   * its Service. Sent to it, a request could take a kept-alive connection at the moment the
   * instance closes it, a failure the gateway cannot tell from a request that was carried out.
   */
  isStopping?: (port: number) => boolean;
}

export interface Gateway {
  url: string;
  stop(): Promise<void>;
}

/** Every API lives below it; the rest of the site is the client's. */
const API_PREFIX = '/api';
/** The mail sink's inbox, when the gateway is given one. */
const MAIL_PREFIX = '/mail';

/**
 * What every service answers for a route it does not have (`requestMessages.routeNotFound` of
 * @ticketing/common, which a test checks this equals). A copy, because importing the common
 * package would load the whole service kit (Express, mongoose, NATS) into the launcher for one sentence.
 */
export const ROUTE_NOT_FOUND_MESSAGE = 'No such route: check the method and the path';

/**
 * The headers the services send (helmet's, see securityHeaders in @ticketing/common), on the
 * gateway's own answers: the landing page, 404 and 502. Set before a request is proxied, so an
 * answer from a service or the client keeps every header of its own and gets these only where
 * it has none (the proxy sets each header of the answer over the ones already there).
 */
const ownHeaders = helmet({
  contentSecurityPolicy: { directives: { 'frame-ancestors': ["'none'"], 'upgrade-insecure-requests': null } },
  xFrameOptions: { action: 'deny' },
});

/** Instances of one destination, taken in turn. */
interface Upstream {
  /** Named in the gateway's messages: 'orders', 'client'. */
  name: string;
  /** Named in answers to the browser: 'The orders service'. */
  title: string;
  ports: number[];
  next: number;
}

/**
 * A reverse proxy (http-proxy-3) with the ingress's routing rules: path prefixes to services,
 * every path outside /api to the web client, round robin over each one's instances, skipping an
 * instance that is stopping (see isStopping), one that refuses connections (stopped or not yet
 * listening) and, for a GET or HEAD, one that fails before answering (gone with the request); 502
 * in the API's error format when none is up. Bodies and answers are streamed both ways
 * (server-sent events arrive as they are sent) and WebSocket upgrades are proxied (Next's hot
 * reload). An /api path no service claims gets the 404 a service gives for an unknown route, not
 * the client's page: API callers always get the API's error format. /mail and below go to the
 * mail sink's inbox, in this process, when one is given.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const services = options.routes.map((route) => ({
    prefix: route.prefix,
    upstream: { name: route.service, title: `The ${route.service} service`, ports: route.ports, next: 0 },
  }));
  const client: Upstream | undefined = options.clientPorts && {
    name: 'client',
    title: 'The web client',
    ports: options.clientPorts,
    next: 0,
  };
  const upstreamFor = (pathname: string): Upstream | undefined =>
    services.find(({ prefix }) => isUnder(pathname, prefix))?.upstream ??
    (isUnder(pathname, API_PREFIX) ? undefined : client);

  // With a timeout set, the agent honours the upstream's `Keep-Alive: timeout=N` and drops an idle
  // connection a second before the upstream would close it, rather than sending a request down a
  // connection that is being closed (ECONNRESET, a 502). Streams are not affected: they keep sending.
  const agent = new Agent({ keepAlive: true, timeout: 60_000 });
  const proxy = createProxyServer({ agent });
  // The request's body is handed to the instance only once connected to it (see forward below).
  proxy.on('proxyReq', (_proxyReq, req, _res, proxyOptions, socket) => {
    const body = proxyOptions.buffer as PassThrough;
    if (socket.connecting) socket.once('connect', () => req.pipe(body));
    else req.pipe(body);
  });
  // Errors of upgraded connections (a browser gone without closing its WebSocket) come here.
  proxy.on('error', (error, req) => options.onProxyError?.(`${req.method} ${req.url}: ${error.message}`));

  const isStopping = options.isStopping ?? (() => false);
  const forward = (req: IncomingMessage, res: ServerResponse, upstream: Upstream, first: number, tried: number) => {
    if (tried === upstream.ports.length) {
      options.onProxyError?.(
        `502 ${req.method} ${req.url}: no instance of ${upstream.name} accepts connections${traceOf(req)}`,
      );
      sendError(res, 502, `${upstream.title} is not available`);
      return;
    }
    const port = upstream.ports[(first + tried) % upstream.ports.length];
    if (isStopping(port) && upstream.ports.some((other) => !isStopping(other))) {
      forward(req, res, upstream, first, tried + 1);
      return;
    }
    // The proxy reads the body from this stream, fed only once the connection stands: a refused
    // connection has consumed nothing of the body, so the request can still go to the next instance.
    const body = new PassThrough();
    proxy.web(req, res, { target: { host: options.host, port }, buffer: body }, (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' || (!res.headersSent && canBeSentAgain(req))) {
        forward(req, res, upstream, first, tried + 1);
        return;
      }
      options.onProxyError?.(
        `${req.method} ${req.url} to ${upstream.name} on port ${port} failed: ${error.message}${traceOf(req)}`,
      );
      if (res.headersSent) res.destroy();
      else sendError(res, 502, `${upstream.title} did not answer`);
    });
  };

  const { mailInbox } = options;
  const isMailInbox = (pathname: string) => mailInbox !== undefined && isUnder(pathname, MAIL_PREFIX);

  const route = (req: IncomingMessage, res: ServerResponse) => {
    resolveDotSegments(req);
    const pathname = pathOf(req);
    if (mailInbox && isUnder(pathname, MAIL_PREFIX)) {
      mailInbox(req, res);
      return;
    }
    const upstream = upstreamFor(pathname);
    if (upstream) {
      setForwardedHeaders(req);
      startTrace(req);
      // node:http has answered it already, and the proxy does not announce (its 'proxyReq' event)
      // a request that still expects a 100 Continue: its body would never be passed on.
      delete req.headers.expect;
      forward(req, res, upstream, takeTurn(upstream), 0);
    } else if (pathname === API_PREFIX || pathname === `${API_PREFIX}/`) {
      options.landingPage(req, res);
    } else if (isUnder(pathname, API_PREFIX)) {
      sendError(res, 404, ROUTE_NOT_FOUND_MESSAGE);
    } else {
      // The client does not run.
      options.landingPage(req, res);
    }
  };
  const server = createServer((req, res) => ownHeaders(req, res, () => route(req, res)));

  // Upgraded connections are no longer the HTTP server's to close.
  const upgraded = new Set<Socket>();
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    resolveDotSegments(req);
    const pathname = pathOf(req);
    const upstream = isMailInbox(pathname) ? undefined : upstreamFor(pathname);
    if (!upstream) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    setForwardedHeaders(req);
    // Not retried on another instance: the proxy closes the browser's socket when the upgrade fails.
    const port = upstream.ports[takeTurn(upstream)];
    proxy.ws(req, socket, head, { target: { host: options.host, port } }, (error) => {
      options.onProxyError?.(`upgrade ${req.url} to ${upstream.name} on port ${port} failed: ${error.message}`);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${options.host}:${port}`,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const socket of upgraded) socket.destroy();
      agent.destroy();
      await closed;
    },
  };
}

/**
 * Whether a request that may have reached an instance that then failed (killed while it had the
 * request) can go to another one: it changes nothing and has no body, whose bytes went to the first.
 * Piping its ended stream again ends the next body at once (see 'proxyReq' above).
 */
function canBeSentAgain(req: IncomingMessage): boolean {
  const withoutBody = req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined;
  return (req.method === 'GET' || req.method === 'HEAD') && withoutBody;
}

/** The index of the instance whose turn it is, moving the turn on. */
function takeTurn(upstream: Upstream): number {
  const index = upstream.next;
  upstream.next = (index + 1) % upstream.ports.length;
  return index;
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0];
}

const DOT_SEGMENT = /(^|\/)(\.|%2e){1,2}(\/|$)/i;

/**
 * Resolves the `.` and `..` segments (%2e included) of the request's path before it is routed, as
 * the ingress (nginx) does and as the proxy would when forwarding it: the gateway routes on the path
 * the service will see, so `/api/tickets/../../metrics` is `/metrics` (the client's), never a
 * service's /metrics.
 */
function resolveDotSegments(req: IncomingMessage): void {
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  if (!path.startsWith('/') || !DOT_SEGMENT.test(path)) return;
  req.url = `${new URL(`http://gateway${path}`).pathname}${queryAt === -1 ? '' : url.slice(queryAt)}`;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const ALL_ZEROS = /^0+$/;

/**
 * Where a request's trace starts, as the ingress would start it: a request carrying a valid W3C
 * `traceparent` keeps it; any other gets a new one (random trace id, sampled), so that the
 * services' spans and log lines of one request through the gateway share a trace id from the first
 * service on. The gateway makes no span of its own (it exports nothing): the parent span id it
 * names stands for the gateway's hop, and a trace viewer shows the first service's span as the root
 * with a parent it never received. A `tracestate` without a traceparent is dropped with it.
 */
export function startTrace(req: IncomingMessage): string {
  const match = TRACEPARENT.exec(String(req.headers.traceparent ?? ''));
  if (match && !ALL_ZEROS.test(match[1]) && !ALL_ZEROS.test(match[2])) return match[1];
  const traceId = randomBytes(16).toString('hex');
  req.headers.traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
  delete req.headers.tracestate;
  return traceId;
}

/** ` (trace <id>)` for the gateway's messages about a request: what `npm start -- --follow` takes. */
function traceOf(req: IncomingMessage): string {
  const match = TRACEPARENT.exec(String(req.headers.traceparent ?? ''));
  return match ? ` (trace ${match[1]})` : '';
}

/**
 * The X-Forwarded-* the services trust from loopback. The gateway is the edge, as the ingress
 * is: what a client claims in them is replaced, so nobody can pose as another address (sign-in
 * throttling counts per client address).
 */
function setForwardedHeaders(req: IncomingMessage): void {
  req.headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  req.headers['x-forwarded-proto'] = 'http';
  if (req.headers.host) req.headers['x-forwarded-host'] = req.headers.host;
  else delete req.headers['x-forwarded-host'];
}

/** Whether `pathname` is `prefix` or below it: `/api/users/signin` is under `/api/users`, `/api/usersx` is not. */
function isUnder(pathname: string, prefix: string): boolean {
  return pathname === prefix || pathname.startsWith(`${prefix}/`);
}

/** An answer in the API's error format, `{ errors: [{ message }] }`. */
export function sendError(res: ServerResponse, statusCode: number, message: string): void {
  const body = JSON.stringify({ errors: [{ message }] });
  res.writeHead(statusCode, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
