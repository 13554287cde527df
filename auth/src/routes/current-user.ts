import { Router } from 'express';
import jwt from 'jsonwebtoken';

export function currentUserRouter(): Router {
  const router = Router();

  router.get('/api/users/currentuser', (req, res) => {
    if (!req.currentUser) {
      res.json({ currentUser: null });
      return;
    }
    // The kit's currentUser middleware has verified this token (signature, algorithm, expiry);
    // decoding it again only adds the times the course's API returns.
    const claims = jwt.decode(String(req.session?.jwt), { json: true });
    res.json({
      currentUser: { id: req.currentUser.id, email: req.currentUser.email, iat: claims?.iat, exp: claims?.exp },
    });
  });

  return router;
}
