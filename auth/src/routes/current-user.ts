import { Router } from 'express';
import { decodeJwt } from 'jose';
import { startSession, type SessionOptions } from '../session';

export function currentUserRouter(options: SessionOptions): Router {
  const router = Router();

  router.get('/api/users/currentuser', async (req, res) => {
    const claims = req.sessionClaims;
    if (!req.currentUser || !claims) {
      res.json({ currentUser: null });
      return;
    }
    let { iat, exp } = claims;
    // Past half its life, the token is replaced by a fresh one of the same session: an active user
    // stays signed in while tokens stay short-lived.
    if (Date.now() / 1000 >= (claims.iat + claims.exp) / 2) {
      ({ iat, exp } = decodeJwt(await startSession(req, req.currentUser, options, claims.sid)) as typeof claims);
    }
    res.json({ currentUser: { id: req.currentUser.id, email: req.currentUser.email, iat, exp } });
  });

  return router;
}
