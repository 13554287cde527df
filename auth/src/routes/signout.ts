import { Router } from 'express';

export function signoutRouter(): Router {
  const router = Router();

  router.post('/api/users/signout', (req, res) => {
    // cookie-session answers with an expired, empty session cookie.
    req.session = null;
    res.status(200).json({});
  });

  return router;
}
