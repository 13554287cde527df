import { BadRequestError, validateRequest, type Outbox } from '@ticketing/common';
import { Router } from 'express';
import { matchedData } from 'express-validator';
import { emailField, newPasswordField } from '../middlewares/credentials';
import type { SignupThrottle } from '../models/throttle';
import { User } from '../models/user';
import { startSession, type SessionOptions } from '../session';

/** POST /api/users/signup: creates the account and signs it in; publishes user.created. */
export function signupRouter(options: SessionOptions & { throttle: SignupThrottle; outbox: Outbox }): Router {
  const router = Router();

  router.post('/api/users/signup', emailField(), newPasswordField(), validateRequest, async (req, res) => {
    const { email, password } = matchedData<{ email: string; password: string }>(req);
    // req.ip is the client's address as given by a trusted proxy (see trust proxy in the service kit).
    await options.throttle.admit(req.ip ?? 'unknown');
    const user = await User.register(email, password, options.outbox);
    if (!user) throw new BadRequestError('This email is already in use: sign in instead', 'email');

    await startSession(req, user, options);
    res.status(201).json(user);
  });

  return router;
}
