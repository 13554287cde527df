import { commonEnv } from '@ticketing/common';

/** The tickets service's own environment variables (PORT, LOG_LEVEL, MONGO_URI and NATS_URL come with runService). */
export const env = {
  JWT_PUBLIC_KEYS: commonEnv.JWT_PUBLIC_KEYS,
};
