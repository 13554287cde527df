import { runService } from '@ticketing/common';
import { createApp } from './app';
import { authEnv } from './config';
import { AttemptCounter } from './models/throttle';
import { User } from './models/user';

// With mongo and nats both used, runService always provides the outbox and starts its relay.
void runService({
  name: 'auth',
  uses: { mongo: true, nats: true, revokedSessions: true },
  env: authEnv,
  createApp: ({ config, logger, revokedSessions, outbox }, readinessChecks) =>
    createApp({
      logger,
      readinessChecks,
      outbox: outbox!,
      jwtPrivateKey: config.JWT_PRIVATE_KEY,
      jwtPublicKeys: config.JWT_PUBLIC_KEYS,
      revokedSessions,
      jwtExpiresIn: config.JWT_EXPIRES_IN,
      signinThrottle: {
        maxFailuresPerEmailAndClient: config.SIGNIN_MAX_FAILURES_PER_EMAIL_AND_CLIENT,
        maxFailuresPerClient: config.SIGNIN_MAX_FAILURES_PER_CLIENT,
        maxFailuresPerEmail: config.SIGNIN_MAX_FAILURES_PER_EMAIL,
        windowSeconds: config.SIGNIN_FAILURE_WINDOW_SECONDS,
      },
      signupThrottle: {
        maxPerClient: config.SIGNUP_MAX_PER_CLIENT,
        windowSeconds: config.SIGNUP_WINDOW_SECONDS,
      },
    }),
  // The unique email index is what refuses duplicate accounts: not ready until it exists.
  readinessChecks: () => ({
    indexes: async () => {
      await Promise.all([User.init(), AttemptCounter.init()]);
      return true;
    },
  }),
});
