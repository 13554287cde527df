import { createServiceApp, type Logger, type ReadinessChecks } from '@ticketing/common';
import type { Express } from 'express';
import type { SessionTtl } from './config';
import {
  SigninThrottle,
  SignupThrottle,
  type SigninThrottleOptions,
  type SignupThrottleOptions,
} from './models/throttle';
import { openApiDocument } from './openapi';
import { currentUserRouter } from './routes/current-user';
import { signinRouter } from './routes/signin';
import { signoutRouter } from './routes/signout';
import { signupRouter } from './routes/signup';

export interface AuthAppOptions {
  logger: Logger;
  jwtKey: string;
  jwtExpiresIn: SessionTtl;
  signinThrottle: SigninThrottleOptions;
  signupThrottle: SignupThrottleOptions;
  readinessChecks?: ReadinessChecks;
}

// Credentials are a few hundred bytes; anything much bigger is not a sign-in.
const BODY_LIMIT = '10kb';

export function createApp(options: AuthAppOptions): Express {
  const session = { jwtKey: options.jwtKey, jwtExpiresIn: options.jwtExpiresIn };
  return createServiceApp({
    logger: options.logger,
    jwtKey: options.jwtKey,
    readinessChecks: options.readinessChecks,
    bodyLimit: BODY_LIMIT,
    openApi: { basePath: '/api/users', document: openApiDocument },
    routers: [
      signupRouter({ ...session, throttle: new SignupThrottle(options.signupThrottle) }),
      signinRouter({ ...session, throttle: new SigninThrottle(options.signinThrottle) }),
      signoutRouter(),
      currentUserRouter(),
    ],
  });
}
