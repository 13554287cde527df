import { createPublicKey } from 'node:crypto';
import {
  createServiceApp,
  type JwtPrivateKey,
  type JwtPublicKeys,
  type Logger,
  type Outbox,
  type ReadinessChecks,
  type RevokedSessions,
} from '@ticketing/common';
import type { Express } from 'express';
import {
  SigninThrottle,
  SignupThrottle,
  type SigninThrottleOptions,
  type SignupThrottleOptions,
} from './models/throttle';
import { openApiDocument } from './openapi';
import { currentUserRouter } from './routes/current-user';
import { jwksRouter } from './routes/jwks';
import { signinRouter } from './routes/signin';
import { signoutRouter } from './routes/signout';
import { signupRouter } from './routes/signup';

export interface AuthAppOptions {
  logger: Logger;
  /** Signs every session JWT. */
  jwtPrivateKey: JwtPrivateKey;
  /** Verify session JWTs here as in every service; published as auth's JWKS. Must hold jwtPrivateKey's public half. */
  jwtPublicKeys: JwtPublicKeys;
  /** Session lifetime in seconds. */
  jwtExpiresIn: number;
  /** Where sign-outs are written and read (see runService's `uses.revokedSessions`); tests without NATS pass none. */
  revokedSessions?: RevokedSessions;
  signinThrottle: SigninThrottleOptions;
  signupThrottle: SignupThrottleOptions;
  /** Where sign-up records user.created, in the account's transaction. */
  outbox: Outbox;
  readinessChecks?: ReadinessChecks;
}

// Credentials are a few hundred bytes; anything much bigger is not a sign-in.
const BODY_LIMIT = '10kb';

/** Refuses a signing key that JWT_PUBLIC_KEYS does not hold: no service could verify the sessions it signs. */
function checkSigningKeyIsPublished(privateKey: JwtPrivateKey, publicKeys: JwtPublicKeys): void {
  const published = publicKeys.get(privateKey.kid);
  if (!published?.equals(createPublicKey(privateKey.key))) {
    throw new Error(
      `JWT_PUBLIC_KEYS has no key with kid "${privateKey.kid}" that is JWT_PRIVATE_KEY's public half: ` +
        'no service could verify the sessions auth signs',
    );
  }
}

export function createApp(options: AuthAppOptions): Express {
  checkSigningKeyIsPublished(options.jwtPrivateKey, options.jwtPublicKeys);
  const session = { jwtPrivateKey: options.jwtPrivateKey, jwtExpiresIn: options.jwtExpiresIn };
  return createServiceApp({
    logger: options.logger,
    jwtPublicKeys: options.jwtPublicKeys,
    revokedSessions: options.revokedSessions,
    readinessChecks: options.readinessChecks,
    bodyLimit: BODY_LIMIT,
    openApi: { basePath: '/api/users', document: openApiDocument },
    routers: [
      signupRouter({ ...session, throttle: new SignupThrottle(options.signupThrottle), outbox: options.outbox }),
      signinRouter({ ...session, throttle: new SigninThrottle(options.signinThrottle) }),
      signoutRouter({ revokedSessions: options.revokedSessions, jwtExpiresIn: options.jwtExpiresIn }),
      currentUserRouter(session),
      jwksRouter(options.jwtPublicKeys),
    ],
  });
}
