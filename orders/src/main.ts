import { runService } from '@ticketing/common';
import { createApp } from './app';
import { ordersEnv } from './config';
import { ExpirationCompleteListener } from './events/listeners/expiration-complete-listener';
import { PaymentCreatedListener } from './events/listeners/payment-created-listener';
import { PaymentRefundedListener } from './events/listeners/payment-refunded-listener';
import { TicketCreatedListener } from './events/listeners/ticket-created-listener';
import { TicketUpdatedListener } from './events/listeners/ticket-updated-listener';
import { startExpirationSweep } from './expiration-sweep';
import { Order } from './models/order';
import { OrderUpdates } from './order-updates';

// Shared by the app, whose event streams it feeds, and the background tasks, which start it.
const orderUpdates = new OrderUpdates();

void runService({
  name: 'orders',
  uses: { mongo: true, nats: true, revokedSessions: true },
  env: ordersEnv,
  createApp: ({ config, logger, outbox, liveStreams, revokedSessions }, readinessChecks) =>
    createApp({
      logger,
      jwtPublicKeys: config.JWT_PUBLIC_KEYS,
      revokedSessions,
      readinessChecks,
      outbox: outbox!,
      expirationWindowSeconds: config.EXPIRATION_WINDOW_SECONDS,
      orderUpdates,
      liveStreams: liveStreams!,
    }),
  listeners: ({ bus, name, outbox }) => [
    new TicketCreatedListener(bus!, { serviceName: name }),
    new TicketUpdatedListener(bus!, { serviceName: name }, outbox!),
    new ExpirationCompleteListener(bus!, { serviceName: name }, outbox!),
    new PaymentCreatedListener(bus!, { serviceName: name }, outbox!),
    new PaymentRefundedListener(bus!, { serviceName: name }),
  ],
  background: async ({ bus, config, logger, outbox }) => {
    // The one-reserving-order-per-ticket index must exist before the first order is taken.
    await Order.init();
    return [
      startExpirationSweep({
        outbox: outbox!,
        logger,
        graceSeconds: config.EXPIRATION_SWEEP_GRACE_SECONDS,
        intervalMs: config.EXPIRATION_SWEEP_INTERVAL_SECONDS * 1000,
      }),
      orderUpdates.start(bus!),
    ];
  },
});
