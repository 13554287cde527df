import type { RequestHandler } from 'express';
import mongoose from 'mongoose';
import { NotFoundError } from '../errors/not-found-error';

/**
 * 404 for a route parameter that is not an ObjectId: no document can have that id, and a
 * malformed id must never reach a query (where it would be a CastError, i.e. a 500).
 */
export function requireObjectIdParam(name: string, notFoundMessage = 'Not found'): RequestHandler {
  return (req, _res, next) => {
    const value = req.params[name];
    if (typeof value !== 'string' || !/^[0-9a-fA-F]{24}$/.test(value) || !mongoose.isValidObjectId(value)) {
      throw new NotFoundError(notFoundMessage);
    }
    next();
  };
}
