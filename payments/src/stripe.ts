import Stripe from 'stripe';
import type { StripeConnectionConfig } from './config';

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
