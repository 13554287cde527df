import { commonEnv, MAX_SESSION_TTL_SECONDS } from '@ticketing/common';
import { z } from 'zod';

const DURATION = /^([1-9]\d*)(s|m|h|d|w)?$/;
const SECONDS_PER_UNIT: Record<string, number> = { s: 1, m: 60, h: 60 * 60, d: 24 * 60 * 60, w: 7 * 24 * 60 * 60 };

const positiveInteger = (defaultValue: number) =>
  z.coerce
    .number({ error: 'must be a positive integer' })
    .int({ error: 'must be a positive integer' })
    .min(1, { error: 'must be a positive integer' })
    .default(defaultValue);

/** The auth service's environment, on top of what runService reads (PORT, LOG_LEVEL, MONGO_URI). */
export const authEnv = {
  /** The key auth signs sessions with; its public half must be in JWT_PUBLIC_KEYS (checked by createApp). */
  JWT_PRIVATE_KEY: commonEnv.JWT_PRIVATE_KEY,
  /** The public keys auth accepts and publishes at /api/users/.well-known/jwks.json, as every service accepts them. */
  JWT_PUBLIC_KEYS: commonEnv.JWT_PUBLIC_KEYS,
  /** Session lifetime, read as seconds: a number of seconds ("3600") or a number with a unit ("15m", "12h", "1d"). */
  JWT_EXPIRES_IN: z
    .string()
    .regex(DURATION, { error: 'must be a positive number of seconds or a number with a unit (s, m, h, d, w)' })
    .default('15m')
    .transform((value) => {
      const [, amount, unit = 's'] = DURATION.exec(value)!;
      return Number(amount) * SECONDS_PER_UNIT[unit];
    })
    .refine((seconds) => seconds <= MAX_SESSION_TTL_SECONDS, {
      error: `must be at most ${MAX_SESSION_TTL_SECONDS / 3600}h (how long a sign-out is remembered)`,
    }),
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
