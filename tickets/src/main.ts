import { runService } from '@ticketing/common';
import { createApp } from './app';
import { env } from './config';
import { OrderCancelledListener } from './events/listeners/order-cancelled-listener';
import { OrderCreatedListener } from './events/listeners/order-created-listener';

// With mongo and nats both used, runService always provides the bus and the outbox.
void runService({
  name: 'tickets',
  uses: { mongo: true, nats: true },
  env,
  createApp: (runtime, readinessChecks) =>
    createApp({ logger: runtime.logger, jwtKey: runtime.config.JWT_KEY, readinessChecks, outbox: runtime.outbox! }),
  listeners: (runtime) => [
    new OrderCreatedListener(runtime.bus!, runtime.outbox!),
    new OrderCancelledListener(runtime.bus!, runtime.outbox!),
  ],
});
