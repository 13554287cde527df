import { commonEnv, type signSessionJwt } from '@ticketing/common';
import { z } from 'zod';

/** How long a session JWT lives, in the forms jsonwebtoken accepts for `expiresIn`. */
export type SessionTtl = NonNullable<Parameters<typeof signSessionJwt>[2]>;

const DURATION = /^[1-9]\d*(ms|s|m|h|d|w|y)?$/;

const positiveInteger = (defaultValue: number) =>
  z.coerce
    .number({ error: 'must be a positive integer' })
    .int({ error: 'must be a positive integer' })
    .min(1, { error: 'must be a positive integer' })
    .default(defaultValue);

/** The auth service's environment, on top of what runService reads (PORT, LOG_LEVEL, MONGO_URI). */
export const authEnv = {
  JWT_KEY: commonEnv.JWT_KEY,
  /**
   * Session lifetime: a number of seconds ("3600") or a number with a unit ("15m", "12h", "1d").
   * A bare number is turned into a number because jsonwebtoken reads a numeric string as milliseconds.
   */
  JWT_EXPIRES_IN: z
    .string()
    .regex(DURATION, { error: 'must be a positive number of seconds or a number with a unit (ms, s, m, h, d, w, y)' })
    .default('1d')
    .transform((value): SessionTtl => (/^\d+$/.test(value) ? Number(value) : (value as SessionTtl))),
  /** Failed sign-ins allowed for one email from one client address within the window. */
  SIGNIN_MAX_FAILURES_PER_EMAIL_AND_CLIENT: positiveInteger(5),
  /** Failed sign-ins allowed from one client address within the window (higher: many users can share one NAT). */
  SIGNIN_MAX_FAILURES_PER_CLIENT: positiveInteger(50),
  /**
   * Failed sign-ins allowed for one email from all addresses together: high, so that a stranger's
   * guesses do not lock the owner out, yet a ceiling for guessing one account from many addresses.
   */
  SIGNIN_MAX_FAILURES_PER_EMAIL: positiveInteger(100),
  SIGNIN_FAILURE_WINDOW_SECONDS: positiveInteger(15 * 60),
  /** Sign-ups allowed from one client address within their window. */
  SIGNUP_MAX_PER_CLIENT: positiveInteger(20),
  SIGNUP_WINDOW_SECONDS: positiveInteger(60 * 60),
};
