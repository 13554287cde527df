import { createServiceApp, openApiRoutes, type Logger, type Outbox, type ReadinessChecks } from '@ticketing/common';
import type { Express } from 'express';
import type Stripe from 'stripe';
import { openApiDocument } from './openapi';
import { newPaymentRouter } from './routes/new-payment';
import { stripeWebhookRouter } from './routes/stripe-webhook';

export interface PaymentsAppOptions {
  logger: Logger;
  jwtKey: string;
  readinessChecks?: ReadinessChecks;
  outbox: Outbox;
  stripe: Stripe;
  webhookSecret: string;
  /** Lowercase ISO code, e.g. usd. */
  currency: string;
}

export function createApp(options: PaymentsAppOptions): Express {
  const { outbox, stripe } = options;
  return createServiceApp({
    logger: options.logger,
    jwtKey: options.jwtKey,
    readinessChecks: options.readinessChecks,
    // The webhook checks Stripe's signature over the exact bytes, so it comes before the JSON parser.
    rawBodyRouters: [stripeWebhookRouter({ stripe, outbox, webhookSecret: options.webhookSecret })],
    routers: [
      newPaymentRouter({ stripe, outbox, currency: options.currency }),
      openApiRoutes('/api/payments', openApiDocument),
    ],
  });
}
