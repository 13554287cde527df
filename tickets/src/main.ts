import { runService } from '@ticketing/common';
import { createApp } from './app';
import { env } from './config';
import { OrderCancelledListener } from './events/listeners/order-cancelled-listener';
import { OrderCompletedListener } from './events/listeners/order-completed-listener';
import { OrderCreatedListener } from './events/listeners/order-created-listener';

// With mongo and nats both used, runService always provides the bus and the outbox.
void runService({
  name: 'tickets',
  uses: { mongo: true, nats: true, revokedSessions: true },
  env,
  createApp: (runtime, readinessChecks) =>
    createApp({
      logger: runtime.logger,
      jwtPublicKeys: runtime.config.JWT_PUBLIC_KEYS,
      revokedSessions: runtime.revokedSessions,
      readinessChecks,
      outbox: runtime.outbox!,
    }),
  listeners: ({ bus, name, outbox }) => [
    new OrderCreatedListener(bus!, { serviceName: name }, outbox!),
    new OrderCancelledListener(bus!, { serviceName: name }, outbox!),
    new OrderCompletedListener(bus!, { serviceName: name }, outbox!),
  ],
});
