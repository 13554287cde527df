import type { BusLogger, Outbox } from '@ticketing/common';
import Stripe from 'stripe';
import type { StripeConnectionConfig } from './config';
import type { PaymentMetrics } from './metrics';

/**
 * The Stripe SDK client. Network failures are retried by the SDK with the request's idempotency
 * key, so a retry never charges twice. Host, port and protocol point it at the fake Stripe API.
 */
export function createStripeClient(config: StripeConnectionConfig): Stripe {
  return new Stripe(config.STRIPE_SECRET_KEY, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    appInfo: { name: 'ticketing-payments' },
    ...(config.STRIPE_API_HOST ? { host: config.STRIPE_API_HOST } : {}),
    ...(config.STRIPE_API_PORT ? { port: config.STRIPE_API_PORT } : {}),
    ...(config.STRIPE_API_PROTOCOL ? { protocol: config.STRIPE_API_PROTOCOL } : {}),
  });
}

/** What recording, charging and refunding payments work with. */
export interface PaymentDependencies {
  stripe: Stripe;
  /** Payment changes and their events commit through it. */
  outbox: Outbox;
  /** Told about what is left for later (a refund Stripe could not make now). */
  logger: BusLogger;
  /** Counts attempts and refunds; none in tests that do not look at them. */
  metrics?: PaymentMetrics;
}
