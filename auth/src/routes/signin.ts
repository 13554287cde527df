import { BadRequestError, validateRequest } from '@ticketing/common';
import { Router } from 'express';
import { matchedData } from 'express-validator';
import { emailField, signinPasswordField } from '../middlewares/credentials';
import type { SigninThrottle } from '../models/throttle';
import { User } from '../models/user';
import { startSession, type SessionOptions } from '../session';

export function signinRouter(options: SessionOptions & { throttle: SigninThrottle }): Router {
  const router = Router();

  router.post('/api/users/signin', emailField(), signinPasswordField(), validateRequest, async (req, res) => {
    const { email, password } = matchedData<{ email: string; password: string }>(req);
    // req.ip is the client's address as given by a trusted proxy (see trust proxy in the service kit).
    const attempt = await options.throttle.admit(email, req.ip ?? 'unknown');

    // Unknown email and wrong password get the same answer, naming no field, so it cannot tell
    // which accounts exist.
    const user = await User.authenticate(email, password);
    if (!user) throw new BadRequestError('Wrong email or password: check both and try again');

    await attempt.succeeded();
    await startSession(req, user, options);
    res.status(200).json(user);
  });

  return router;
}
