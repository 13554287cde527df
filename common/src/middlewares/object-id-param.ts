import type { RequestHandler } from 'express';
import { NotFoundError } from '../errors/not-found-error';
import { isObjectId } from '../validation/object-id';

/**
 * 404 for a route parameter that is not an id: no document can have it, and a malformed id must
 * never reach a query (where it would be a CastError, i.e. a 500).
 */
export function requireObjectIdParam(name: string, notFoundMessage = 'Not found'): RequestHandler {
  return (req, _res, next) => {
    if (!isObjectId(req.params[name])) throw new NotFoundError(notFoundMessage);
    next();
  };
}
