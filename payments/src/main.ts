import { runService } from '@ticketing/common';
import { createApp } from './app';
import { paymentsEnv } from './config';
import { OrderCancelledListener } from './events/listeners/order-cancelled-listener';
import { OrderCreatedListener } from './events/listeners/order-created-listener';
import { createStripeClient } from './stripe';

void runService({
  name: 'payments',
  uses: { mongo: true, nats: true },
  env: paymentsEnv,
  createApp: (runtime, readinessChecks) =>
    createApp({
      logger: runtime.logger,
      jwtKey: runtime.config.JWT_KEY,
      readinessChecks,
      outbox: runtime.outbox!,
      stripe: createStripeClient(runtime.config),
      webhookSecret: runtime.config.STRIPE_WEBHOOK_SECRET,
      currency: runtime.config.PAYMENT_CURRENCY,
    }),
  listeners: (runtime) => [
    new OrderCreatedListener(runtime.bus!, { serviceName: 'payments' }),
    new OrderCancelledListener(runtime.bus!, { serviceName: 'payments' }),
  ],
});
