import type { RequestHandler } from 'express';
import { LRUCache } from 'lru-cache';
import type { RevocationList } from '../events/revoked-sessions';
import type { JwtPublicKeys } from './jwt-keys';
import { verifySessionJwt, type SessionClaims } from './session-jwt';

/**
 * Tokens remembered as verified, per app: a signed-in browser sends the same token with every
 * request, and checking its EdDSA signature each time was about 6% of orders' time under load.
 * The least recently used go first; 10,000 claims are a few megabytes.
 */
const VERIFIED_TOKENS_KEPT = 10_000;

/**
 * Sets `req.currentUser` and `req.sessionClaims` from the session cookie's JWT (cookie-session must
 * run first), verified with auth's public keys only. A missing, malformed, expired or wrongly signed
 * token, or one of a session in `revokedSessions` (signed out), just means signed out.
 */
export function currentUser(publicKeys: JwtPublicKeys, revokedSessions?: RevocationList): RequestHandler {
  if (publicKeys.size === 0) {
    throw new Error('currentUser needs at least one public key');
  }
  // The keys are fixed for the app's life, so a token verified once stays well signed; only its
  // expiry (checked on every use, as the verification does) and its session's revocation change.
  const verified = new LRUCache<string, SessionClaims>({ max: VERIFIED_TOKENS_KEPT });
  const claimsOf = async (token: string): Promise<SessionClaims | null> => {
    const remembered = verified.get(token);
    if (remembered) {
      if (remembered.exp > Math.floor(Date.now() / 1000)) return remembered;
      verified.delete(token);
      return null;
    }
    const claims = await verifySessionJwt(token, publicKeys);
    if (claims) verified.set(token, claims);
    return claims;
  };
  return async (req, _res, next) => {
    const token: unknown = req.session?.jwt;
    if (typeof token === 'string') {
      const claims = await claimsOf(token);
      if (claims && !revokedSessions?.isRevoked(claims.sid)) {
        req.currentUser = { id: claims.id, email: claims.email };
        req.sessionClaims = claims;
      }
    }
    next();
  };
}
