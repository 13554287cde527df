import { commonEnv } from '@ticketing/common';
import { z } from 'zod';

// Prices are kept with two decimals; currencies whose smallest unit is not a hundredth
// (JPY has none, KWD has thousandths) would need another conversion to Stripe's amounts.
const NOT_TWO_DECIMAL_CURRENCIES = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
  'bhd',
  'jod',
  'kwd',
  'omr',
  'tnd',
]);

function integerFrom(min: number, max: number, what: string) {
  const error = `must be ${what} from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** The payments service's own environment (PORT, LOG_LEVEL, MONGO_URI, NATS_URL come from runService). */
export const paymentsEnv = {
  JWT_PUBLIC_KEYS: commonEnv.JWT_PUBLIC_KEYS,
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_\S+$/, { error: 'must be a Stripe secret key (sk_test_..., sk_live_...)' }),
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_\S+$/, { error: 'must be a webhook signing secret (whsec_...)' }),
  /** Where the Stripe API is reached; unset means api.stripe.com. Set for the fake Stripe API. */
  STRIPE_API_HOST: z
    .string()
    .regex(/^[\w.-]+$/, { error: 'must be a host name, without protocol or port' })
    .optional(),
  STRIPE_API_PORT: integerFrom(1, 65535, 'an integer').optional(),
  STRIPE_API_PROTOCOL: z.enum(['http', 'https'], { error: 'must be http or https' }).optional(),
  PAYMENT_CURRENCY: z
    .string()
    .toLowerCase()
    .regex(/^[a-z]{3}$/, { error: 'must be a three-letter ISO currency code, e.g. usd' })
    .refine((currency) => !NOT_TWO_DECIMAL_CURRENCIES.has(currency), {
      error: 'must be a currency with two decimals (cents)',
    })
    .default('usd'),
  /** How often payments due a refund that no one could make yet (Stripe was unreachable) are looked for. */
  REFUND_SWEEP_INTERVAL_SECONDS: integerFrom(1, 86_400, 'a whole number of seconds').default(60),
};

export type StripeConnectionConfig = {
  STRIPE_SECRET_KEY: string;
  STRIPE_API_HOST?: string;
  STRIPE_API_PORT?: number;
  STRIPE_API_PROTOCOL?: 'http' | 'https';
};
