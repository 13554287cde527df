import { BadRequestError, validateRequest } from '@ticketing/common';
import { Router } from 'express';
import { matchedData } from 'express-validator';
import { emailField, newPasswordField } from '../middlewares/credentials';
import { onlyBodyFields } from '../middlewares/only-body-fields';
import { User } from '../models/user';
import { startSession, type SessionOptions } from '../session';

export function signupRouter(options: SessionOptions): Router {
  const router = Router();

  router.post(
    '/api/users/signup',
    onlyBodyFields('email', 'password'),
    emailField(),
    newPasswordField(),
    validateRequest,
    async (req, res) => {
      const { email, password } = matchedData<{ email: string; password: string }>(req);
      const user = await User.register(email, password);
      if (!user) throw new BadRequestError('Email in use');

      startSession(req, user, options);
      res.status(201).json(user);
    },
  );

  return router;
}
