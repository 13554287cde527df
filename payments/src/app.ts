import {
  createServiceApp,
  type JwtPublicKeys,
  type Logger,
  type Outbox,
  type ReadinessChecks,
  type RevocationList,
} from '@ticketing/common';
import type { Express } from 'express';
import type Stripe from 'stripe';
import type { PaymentMetrics } from './metrics';
import { openApiDocument } from './openapi';
import { listPaymentsRouter } from './routes/list-payments';
import { newPaymentRouter } from './routes/new-payment';
import { showPaymentRouter } from './routes/show-payment';
import { stripeWebhookRouter } from './routes/stripe-webhook';

export interface PaymentsAppOptions {
  logger: Logger;
  /** Auth's public keys, which verify session JWTs. */
  jwtPublicKeys: JwtPublicKeys;
  /** Signed-out sessions (see runService's `uses.revokedSessions`); tests without NATS pass none. */
  revokedSessions?: RevocationList;
  readinessChecks?: ReadinessChecks;
  outbox: Outbox;
  stripe: Stripe;
  webhookSecret: string;
  /** Lowercase ISO code, e.g. usd. */
  currency: string;
  /** Payment attempts and refunds, on the service's metrics (which the app serves at /metrics). */
  metrics?: PaymentMetrics;
}

export function createApp(options: PaymentsAppOptions): Express {
  const { logger, outbox, stripe, metrics } = options;
  return createServiceApp({
    logger,
    jwtPublicKeys: options.jwtPublicKeys,
    revokedSessions: options.revokedSessions,
    readinessChecks: options.readinessChecks,
    metrics: metrics?.service,
    openApi: { basePath: '/api/payments', document: openApiDocument },
    // The webhook checks Stripe's signature over the exact bytes, so it comes before the JSON parser.
    rawBodyRouters: [stripeWebhookRouter({ stripe, outbox, logger, metrics, webhookSecret: options.webhookSecret })],
    routers: [
      listPaymentsRouter,
      showPaymentRouter,
      newPaymentRouter({ stripe, outbox, logger, metrics, currency: options.currency }),
    ],
  });
}
