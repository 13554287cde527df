import type { RequestHandler } from 'express';
import type { JwtPublicKeys } from './jwt-keys';
import { verifySessionJwt } from './session-jwt';

/**
 * Sets `req.currentUser` from the session cookie's JWT (cookie-session must run first), verified
 * with auth's public keys only. A missing, malformed, expired or wrongly signed token just means signed out.
 */
export function currentUser(publicKeys: JwtPublicKeys): RequestHandler {
  if (publicKeys.size === 0) {
    throw new Error('currentUser needs at least one public key');
  }
  return async (req, _res, next) => {
    const token: unknown = req.session?.jwt;
    if (typeof token === 'string') {
      const claims = await verifySessionJwt(token, publicKeys);
      if (claims) req.currentUser = { id: claims.id, email: claims.email };
    }
    next();
  };
}
