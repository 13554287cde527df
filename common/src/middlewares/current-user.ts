import type { RequestHandler } from 'express';
import { verifySessionJwt } from './session-jwt';

/**
 * Sets `req.currentUser` from the session cookie's JWT (cookie-session must run first).
 * A missing, malformed, expired or wrongly signed token just means signed out.
 */
export function currentUser(jwtKey: string): RequestHandler {
  if (!jwtKey) {
    throw new Error('currentUser needs a non-empty JWT key');
  }
  return (req, _res, next) => {
    const token: unknown = req.session?.jwt;
    if (typeof token === 'string') {
      const user = verifySessionJwt(token, jwtKey);
      if (user) req.currentUser = user;
    }
    next();
  };
}
