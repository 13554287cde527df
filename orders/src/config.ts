import { commonEnv } from '@ticketing/common';
import { z } from 'zod';

/**
 * The orders service's own variables (runService adds PORT, LOG_LEVEL, MONGO_URI, NATS_URL).
 * The sweep interval plus its grace period bound how long an overdue order can stay live when
 * the expiration service misses it; the caps keep that bound at one minute.
 */
export const ordersEnv = {
  JWT_PUBLIC_KEYS: commonEnv.JWT_PUBLIC_KEYS,
  EXPIRATION_WINDOW_SECONDS: z.coerce.number().int().positive().default(900),
  EXPIRATION_SWEEP_INTERVAL_SECONDS: z.coerce.number().int().positive().max(25).default(15),
  EXPIRATION_SWEEP_GRACE_SECONDS: z.coerce.number().int().nonnegative().max(30).default(30),
};
