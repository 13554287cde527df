import { ServiceUnavailableError, validateRequest, type RevokedSessions } from '@ticketing/common';
import { Router } from 'express';

export function signoutRouter(options: { revokedSessions?: RevokedSessions; jwtExpiresIn: number }): Router {
  const router = Router();

  // validateRequest with no chains before it: signing out takes no fields, so any field is refused.
  router.post('/api/users/signout', validateRequest, async (req, res) => {
    const claims = req.sessionClaims;
    if (claims && options.revokedSessions) {
      // Every token of the session, wherever a copy of it is, stops working in every service. The
      // latest one cannot outlive a token signed now.
      try {
        await options.revokedSessions.revoke(claims.sid, Math.floor(Date.now() / 1000) + options.jwtExpiresIn);
      } catch {
        // The cookie is kept: cleared here, the token would still work elsewhere and could not be revoked by a retry.
        throw new ServiceUnavailableError('Signing out is not possible right now: try again in a moment');
      }
    }
    // cookie-session answers with an expired, empty session cookie.
    req.session = null;
    res.status(200).json({});
  });

  return router;
}
