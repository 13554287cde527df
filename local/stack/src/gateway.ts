import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

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
  /** Answers every request outside /api (the client's place). */
  fallback: (req: IncomingMessage, res: ServerResponse) => void;
  /** Told about requests that could not reach their service. */
  onProxyError?: (message: string) => void;
}

export interface Gateway {
  url: string;
  stop(): Promise<void>;
}

// Headers that describe one connection, not the request: never passed on by a proxy.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade'];

/** Every API lives below it; the rest of the site is the client's. */
const API_PREFIX = '/api';

/**
 * What every service answers for a route it does not have (`requestMessages.routeNotFound` of
 * @ticketing/common, which a test checks this equals). A copy, because importing the common
 * package would load the whole service kit (Express, mongoose, NATS) into the launcher for one sentence.
 */
export const ROUTE_NOT_FOUND_MESSAGE = 'No such route: check the method and the path';

/**
 * A small reverse proxy with the ingress's routing rules: path prefixes to services, round
 * robin over each service's instances, skipping an instance that refuses connections (stopped
 * or not yet listening), 502 in the API's error format when none is up. Bodies are streamed.
 * An /api path no service claims gets the 404 a service gives for an unknown route, not the
 * client's page: API callers always get the API's error format.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const agent = new Agent({ keepAlive: true });
  const nextInstance = new Map<GatewayRoute, number>();

  const server = createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0];
    const route = options.routes.find(({ prefix }) => isUnder(pathname, prefix));
    if (route) {
      const first = nextInstance.get(route) ?? 0;
      nextInstance.set(route, (first + 1) % route.ports.length);
      forward(req, res, route, first, 0);
    } else if (isUnder(pathname, API_PREFIX)) {
      sendError(res, 404, ROUTE_NOT_FOUND_MESSAGE);
    } else {
      options.fallback(req, res);
    }
  });

  function forward(req: IncomingMessage, res: ServerResponse, route: GatewayRoute, first: number, tried: number): void {
    if (tried === route.ports.length) {
      options.onProxyError?.(`502 ${req.method} ${req.url}: no instance of ${route.service} accepts connections`);
      sendError(res, 502, `The ${route.service} service is not available`);
      return;
    }
    const port = route.ports[(first + tried) % route.ports.length];
    const upstream = httpRequest({
      host: options.host,
      port,
      method: req.method,
      path: req.url,
      headers: forwardedHeaders(req),
      agent,
    });
    // The body is only read once connected: a refused connection has consumed nothing of it,
    // so the request can still go to the next instance.
    let connected = false;
    const sendBody = () => {
      connected = true;
      req.pipe(upstream);
    };
    upstream.once('socket', (socket: Socket) => {
      if (socket.connecting) socket.once('connect', sendBody);
      else sendBody();
    });
    upstream.once('response', (response) => {
      const headers = { ...response.headers };
      for (const name of HOP_BY_HOP) delete headers[name];
      res.writeHead(response.statusCode ?? 502, response.statusMessage, headers);
      response.pipe(res);
    });
    upstream.once('error', (error: NodeJS.ErrnoException) => {
      if (!connected && error.code === 'ECONNREFUSED') {
        forward(req, res, route, first, tried + 1);
        return;
      }
      options.onProxyError?.(`${req.method} ${req.url} to ${route.service} on port ${port} failed: ${error.message}`);
      if (res.headersSent) res.destroy();
      else sendError(res, 502, `The ${route.service} service did not answer`);
    });
    // A client that goes away takes its upstream request with it.
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
  }

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
      agent.destroy();
      await closed;
    },
  };
}

/**
 * The request's headers for the service, with the X-Forwarded-* the services trust from loopback.
 * The gateway is the edge, as the ingress is: what a client claims in X-Forwarded-* is replaced,
 * so nobody can pose as another address (sign-in throttling counts per client address).
 */
function forwardedHeaders(req: IncomingMessage): IncomingHttpHeaders {
  const headers = { ...req.headers };
  for (const name of HOP_BY_HOP) delete headers[name];
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  headers['x-forwarded-proto'] = 'http';
  if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
  return headers;
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
