import type { RequestHandler } from 'express';
import { NotFoundError } from '../errors/not-found-error';
import { requestMessages } from '../validation/messages';

/** Mounted after every router: whatever reaches it matched no route. */
export const notFoundHandler: RequestHandler = () => {
  throw new NotFoundError(requestMessages.routeNotFound);
};
