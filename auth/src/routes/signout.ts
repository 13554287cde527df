import { validateRequest } from '@ticketing/common';
import { Router } from 'express';

export function signoutRouter(): Router {
  const router = Router();

  // validateRequest with no chains before it: signing out takes no fields, so any field is refused.
  router.post('/api/users/signout', validateRequest, (req, res) => {
    // cookie-session answers with an expired, empty session cookie.
    req.session = null;
    res.status(200).json({});
  });

  return router;
}
