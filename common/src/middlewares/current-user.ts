import type { RequestHandler } from 'express';
import type { RevocationList } from '../events/revoked-sessions';
import type { JwtPublicKeys } from './jwt-keys';
import { verifySessionJwt } from './session-jwt';

/**
 * Sets `req.currentUser` and `req.sessionClaims` from the session cookie's JWT (cookie-session must
 * run first), verified with auth's public keys only. A missing, malformed, expired or wrongly signed
 * token, or one of a session in `revokedSessions` (signed out), just means signed out.
 */
export function currentUser(publicKeys: JwtPublicKeys, revokedSessions?: RevocationList): RequestHandler {
  if (publicKeys.size === 0) {
    throw new Error('currentUser needs at least one public key');
  }
  return async (req, _res, next) => {
    const token: unknown = req.session?.jwt;
    if (typeof token === 'string') {
      const claims = await verifySessionJwt(token, publicKeys);
      if (claims && !revokedSessions?.isRevoked(claims.sid)) {
        req.currentUser = { id: claims.id, email: claims.email };
        req.sessionClaims = claims;
      }
    }
    next();
  };
}
