import { randomBytes } from 'node:crypto';
import type { SignOptions } from 'jsonwebtoken';
import { signSessionJwt } from '../middlewares/session-jwt';

/** The key signin uses when neither the call nor JWT_KEY gives one; build the app under test with it. */
export const TEST_JWT_KEY = 'test-jwt-key';

export interface SigninOptions {
  /** Default: a new random 24-hex-digit id, shaped like a MongoDB ObjectId. */
  id?: string;
  email?: string;
  /** Default: process.env.JWT_KEY, else TEST_JWT_KEY. */
  jwtKey?: string;
  /** Default: 1 hour. A negative number of seconds gives an already expired token. */
  expiresIn?: NonNullable<SignOptions['expiresIn']>;
}

/** A Cookie header value carrying `session`, encoded exactly as cookie-session writes it (base64 JSON). */
export function sessionCookie(session: object): string[] {
  const encoded = Buffer.from(JSON.stringify(session)).toString('base64');
  return [`session=${encoded}`];
}

function signedSessionJwt(options: SigninOptions): string {
  const user = {
    id: options.id ?? randomBytes(12).toString('hex'),
    email: options.email ?? 'test@test.com',
  };
  const jwtKey = options.jwtKey ?? process.env.JWT_KEY ?? TEST_JWT_KEY;
  return signSessionJwt(user, jwtKey, options.expiresIn ?? '1h');
}

/** Cookie header for supertest's `.set('Cookie', signin())`: a session signed in as the given user. */
export function signin(options: SigninOptions = {}): string[] {
  return sessionCookie({ jwt: signedSessionJwt(options) });
}

/** A session whose JWT expired a minute ago. */
export function expiredSessionCookie(options: Omit<SigninOptions, 'expiresIn'> = {}): string[] {
  return signin({ ...options, expiresIn: -60 });
}

/**
 * A session whose JWT payload was rewritten to claim another user id while keeping
 * the original signature, as someone editing their cookie would.
 */
export function tamperedSessionCookie(options: SigninOptions & { forgedId: string }): string[] {
  const [header, payload, signature] = signedSessionJwt(options).split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const forgedPayload = Buffer.from(JSON.stringify({ ...claims, id: options.forgedId })).toString('base64url');
  return sessionCookie({ jwt: `${header}.${forgedPayload}.${signature}` });
}
