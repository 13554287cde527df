import { Router } from 'express';
import { decodeJwt } from 'jose';

export function currentUserRouter(): Router {
  const router = Router();

  router.get('/api/users/currentuser', (req, res) => {
    if (!req.currentUser) {
      res.json({ currentUser: null });
      return;
    }
    // The kit's currentUser middleware has verified this token (signature, algorithm, expiry);
    // decoding it again only adds the times the course's API returns.
    const { iat, exp } = decodeJwt(String(req.session?.jwt));
    res.json({
      currentUser: { id: req.currentUser.id, email: req.currentUser.email, iat, exp },
    });
  });

  return router;
}
