import { signSessionJwt } from '@ticketing/common';
import type { Request } from 'express';
import type { SessionTtl } from './config';

export interface SessionOptions {
  jwtKey: string;
  jwtExpiresIn: SessionTtl;
}

/** Signs the user in on this request: the session cookie will carry `{ jwt }`. */
export function startSession(req: Request, user: { id: string; email: string }, options: SessionOptions): void {
  req.session = { jwt: signSessionJwt({ id: user.id, email: user.email }, options.jwtKey, options.jwtExpiresIn) };
}
