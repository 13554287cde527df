import jwt, { SignOptions } from 'jsonwebtoken';
import type { UserPayload } from './express-augmentation';

// Pinned on both ends so a token can never choose its own algorithm (e.g. "none").
const ALGORITHM = 'HS256';

export const DEFAULT_SESSION_TTL: NonNullable<SignOptions['expiresIn']> = '1d';

/** Signs the JWT the auth service stores in the session cookie as `{ jwt }`. */
export function signSessionJwt(
  user: UserPayload,
  jwtKey: string,
  expiresIn: NonNullable<SignOptions['expiresIn']> = DEFAULT_SESSION_TTL,
): string {
  return jwt.sign({ id: user.id, email: user.email }, jwtKey, { algorithm: ALGORITHM, expiresIn });
}

/** The user in a session JWT, or null when the token is malformed, expired or not signed with `jwtKey`. */
export function verifySessionJwt(token: string, jwtKey: string): UserPayload | null {
  let payload: unknown;
  try {
    payload = jwt.verify(token, jwtKey, { algorithms: [ALGORITHM] });
  } catch {
    return null;
  }
  if (typeof payload !== 'object' || payload === null) return null;
  const { id, email } = payload as Record<string, unknown>;
  if (typeof id !== 'string' || typeof email !== 'string') return null;
  return { id, email };
}
