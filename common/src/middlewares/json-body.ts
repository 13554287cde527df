import type { RequestHandler } from 'express';
import { BadRequestError } from '../errors/bad-request-error';
import { UnsupportedMediaTypeError } from '../errors/unsupported-media-type-error';
import { requestMessages } from '../validation/messages';
import { WRITE_METHODS } from './write-methods';

function hasBody(req: Parameters<RequestHandler>[0]): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function charsetOf(contentType: string): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match?.[1].toLowerCase();
}

/**
 * Every service takes request bodies as UTF-8 JSON only: any other body is refused with 415
 * before a route sees it. A request without a body passes (a DELETE, or a POST whose missing
 * fields the route reports).
 */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (WRITE_METHODS.has(req.method) && hasBody(req)) {
    if (!req.is('application/json')) throw new UnsupportedMediaTypeError();
    const charset = charsetOf(req.headers['content-type'] ?? '');
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      throw new UnsupportedMediaTypeError(requestMessages.bodyNotUtf8);
    }
  }
  next();
};

/** After the JSON parser: a body must be an object (`[1, 2]` or `"text"` are not requests). */
export const requireObjectBody: RequestHandler = (req, _res, next) => {
  const body: unknown = req.body;
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    throw new BadRequestError(requestMessages.bodyNotObject);
  }
  next();
};
