import { z } from 'zod';

const positiveInt = (message: string) =>
  z.coerce.number({ error: message }).int({ error: message }).positive({ error: message });

/** The expiration service's own environment variables (PORT, LOG_LEVEL and NATS_URL come from runService). */
export const expirationEnv = {
  REDIS_URL: z.string().regex(/^rediss?:\/\/\S+$/, { error: 'must be a redis:// or rediss:// URL' }),
  /** How long start-up waits for Redis before giving up with exit code 1. */
  REDIS_CONNECT_TIMEOUT_MS: positiveInt('must be a positive integer (milliseconds)').default(10_000),
  /** First delay before a job whose publish failed (NATS down) runs again; doubles on each failure. */
  EXPIRATION_RETRY_DELAY_MS: positiveInt('must be a positive integer (milliseconds)').default(1_000),
  EXPIRATION_RETRY_MAX_DELAY_MS: positiveInt('must be a positive integer (milliseconds)').default(60_000),
  /** Runs of one job before it is left in the failed set for an operator (1000 ≈ 16 h of NATS outage). */
  EXPIRATION_MAX_ATTEMPTS: positiveInt('must be a positive integer').default(1_000),
  /**
   * How long a fired or cancelled order is remembered, so that a redelivered order.created
   * schedules nothing new. Longer than any redelivery of an event (minutes).
   */
  EXPIRATION_REMEMBER_SECONDS: positiveInt('must be a positive integer (seconds)').default(7 * 24 * 3600),
  /** Jobs one replica runs at the same time. */
  EXPIRATION_CONCURRENCY: positiveInt('must be a positive integer').default(10),
};

export type ExpirationConfig = z.output<z.ZodObject<typeof expirationEnv>>;
