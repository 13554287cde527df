import { runService, type BusLogger, type Outbox, type ServiceMetrics } from '@ticketing/common';
import type Stripe from 'stripe';
import { createApp } from './app';
import { paymentsEnv, type StripeConnectionConfig } from './config';
import { OrderCancelledListener } from './events/listeners/order-cancelled-listener';
import { OrderCreatedListener } from './events/listeners/order-created-listener';
import { PaymentMetrics } from './metrics';
import { startRefundSweep } from './refund-sweep';
import { createStripeClient, type PaymentDependencies } from './stripe';

let stripe: Stripe | undefined;

/** The one Stripe client of the routes, the order.cancelled listener and the refund sweep. */
function stripeClient(config: StripeConnectionConfig): Stripe {
  stripe ??= createStripeClient(config);
  return stripe;
}

let metrics: PaymentMetrics | undefined;

/** The one set of payment metrics, on the service's registry (runService always gives one). */
function paymentMetrics(runtime: { metrics?: ServiceMetrics }): PaymentMetrics {
  metrics ??= new PaymentMetrics(runtime.metrics!);
  return metrics;
}

function paymentDependencies(runtime: {
  config: StripeConnectionConfig;
  logger: BusLogger;
  outbox?: Outbox;
  metrics?: ServiceMetrics;
}): PaymentDependencies {
  return {
    stripe: stripeClient(runtime.config),
    outbox: runtime.outbox!,
    logger: runtime.logger,
    metrics: paymentMetrics(runtime),
  };
}

void runService({
  name: 'payments',
  uses: { mongo: true, nats: true, revokedSessions: true },
  env: paymentsEnv,
  createApp: (runtime, readinessChecks) =>
    createApp({
      logger: runtime.logger,
      jwtPublicKeys: runtime.config.JWT_PUBLIC_KEYS,
      revokedSessions: runtime.revokedSessions,
      readinessChecks,
      outbox: runtime.outbox!,
      stripe: stripeClient(runtime.config),
      webhookSecret: runtime.config.STRIPE_WEBHOOK_SECRET,
      currency: runtime.config.PAYMENT_CURRENCY,
      metrics: paymentMetrics(runtime),
    }),
  listeners: (runtime) => [
    new OrderCreatedListener(runtime.bus!, { serviceName: runtime.name }),
    new OrderCancelledListener(runtime.bus!, { serviceName: runtime.name }, paymentDependencies(runtime)),
  ],
  background: (runtime) => [
    startRefundSweep({
      payments: paymentDependencies(runtime),
      intervalMs: runtime.config.REFUND_SWEEP_INTERVAL_SECONDS * 1000,
    }),
  ],
});
