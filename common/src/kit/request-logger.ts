// Brings pino-http's `req.log` and `req.id` into every program that uses this logger.
/// <reference types="pino-http" preserve="true" />
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { context } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from './logger';
import { handleInContext, withLogFields } from './trace-context';

export const REQUEST_ID_HEADER = 'x-request-id';

// An incoming id is copied into logs and a response header, so only accept plain tokens.
const ACCEPTABLE_REQUEST_ID = /^[\w.:-]{1,128}$/;

const UNLOGGED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const id = typeof incoming === 'string' && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/**
 * Logs one line per response and gives each request `req.log`, a child logger
 * carrying the request id. The id is the caller's `x-request-id` (so a request can be
 * followed through the gateway) or a new UUID, and is echoed in the response.
 * Cookies and authorization headers are redacted by the logger from createLogger.
 */
export function requestLogger(logger: Logger): RequestHandler {
  const logRequests = pinoHttp({
    logger,
    genReqId: requestIdFor,
    customLogLevel: (_req, res, err) => {
      if (err || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      return 'info';
    },
    // Probes and Prometheus's scrapes hit every few seconds and would drown the useful lines.
    autoLogging: { ignore: (req) => UNLOGGED_PATHS.has((req.url ?? '').split('?')[0]) },
  });
  // The request is handled in a context carrying its id, so that every line logged meanwhile (by
  // req.log or by any other logger of the service) and the response's line carry it as reqId.
  return (req, res, next) => {
    req.id = requestIdFor(req, res);
    const handling = withLogFields(context.active(), { reqId: String(req.id) });
    handleInContext(res, handling, () => logRequests(req, res, next));
  };
}
