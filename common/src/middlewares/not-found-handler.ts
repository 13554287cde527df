import type { RequestHandler } from 'express';
import { NotFoundError } from '../errors/not-found-error';

/** Mounted after every router: whatever reaches it matched no route. */
export const notFoundHandler: RequestHandler = () => {
  throw new NotFoundError('Route not found');
};
