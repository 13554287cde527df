import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Nothing is loaded from anywhere and no script runs. Inline styles are allowed because a
 * message's HTML, shown in a `srcdoc` frame, is under this policy too (the frame inherits it) and
 * emails are styled inline; images may only be the data: URIs a message's embedded images become.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** What every answer of the sink carries. */
const COMMON_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  // The inbox changes with every message received.
  'Cache-Control': 'no-store',
};

/** Sends `body` (nothing for a HEAD request) with its length and the common headers. */
export function send(
  req: IncomingMessage,
  res: ServerResponse,
  statusCode: number,
  contentType: string,
  body: string,
  extraHeaders: Record<string, string> = {},
): void {
  for (const [name, value] of Object.entries({ ...COMMON_HEADERS, ...extraHeaders })) res.setHeader(name, value);
  res.writeHead(statusCode, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function sendHtml(
  req: IncomingMessage,
  res: ServerResponse,
  statusCode: number,
  page: string,
  extraHeaders?: Record<string, string>,
): void {
  send(req, res, statusCode, 'text/html; charset=utf-8', page, extraHeaders);
}

export function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  statusCode: number,
  value: unknown,
  extraHeaders?: Record<string, string>,
): void {
  send(req, res, statusCode, 'application/json; charset=utf-8', JSON.stringify(value), extraHeaders);
}

/** One input error in the services' format, `{ errors: [{ message, field }] }` (`field` only for input errors). */
export interface ApiError {
  message: string;
  field?: string;
}

export function sendJsonErrors(
  req: IncomingMessage,
  res: ServerResponse,
  statusCode: number,
  errors: ApiError[],
  extraHeaders?: Record<string, string>,
): void {
  sendJson(req, res, statusCode, { errors }, extraHeaders);
}
