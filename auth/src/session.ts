import { signSessionJwt, type JwtPrivateKey } from '@ticketing/common';
import type { Request } from 'express';

export interface SessionOptions {
  jwtPrivateKey: JwtPrivateKey;
  /** Session lifetime in seconds. */
  jwtExpiresIn: number;
}

/**
 * Signs the user in on this request: the session cookie will carry `{ jwt }`, a token of a new
 * session, or of `sessionId` when renewing it. Returns the token.
 */
export async function startSession(
  req: Request,
  user: { id: string; email: string },
  options: SessionOptions,
  sessionId?: string,
): Promise<string> {
  const jwt = await signSessionJwt(
    { id: user.id, email: user.email },
    options.jwtPrivateKey,
    options.jwtExpiresIn,
    sessionId,
  );
  req.session = { jwt };
  return jwt;
}
