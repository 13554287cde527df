import {
  createServiceApp,
  type JwtPublicKeys,
  type LiveStreams,
  type Logger,
  type Outbox,
  type ReadinessChecks,
  type RevocationList,
} from '@ticketing/common';
import type { Express } from 'express';
import { ordersOpenApi } from './openapi';
import type { OrderUpdates } from './order-updates';
import { cancelOrderRouter } from './routes/cancel-order';
import { createOrderRouter } from './routes/create-order';
import { listOrdersRouter } from './routes/list-orders';
import { orderEventsRouter } from './routes/order-events';
import { showOrderRouter } from './routes/show-order';

export interface OrdersAppOptions {
  logger: Logger;
  /** Auth's public keys, which verify session JWTs. */
  jwtPublicKeys: JwtPublicKeys;
  /** Signed-out sessions (see runService's `uses.revokedSessions`); tests without NATS pass none. */
  revokedSessions?: RevocationList;
  readinessChecks?: ReadinessChecks;
  outbox: Outbox;
  /** How long a new order reserves its ticket. */
  expirationWindowSeconds: number;
  /** Feeds the orders' event streams; started by main.ts. */
  orderUpdates: OrderUpdates;
  /** Where the event streams register, so that shutdown ends them (runService's). */
  liveStreams: LiveStreams;
}

export function createApp(options: OrdersAppOptions): Express {
  const { outbox, expirationWindowSeconds, orderUpdates, liveStreams } = options;
  return createServiceApp({
    logger: options.logger,
    jwtPublicKeys: options.jwtPublicKeys,
    revokedSessions: options.revokedSessions,
    readinessChecks: options.readinessChecks,
    openApi: { basePath: '/api/orders', document: ordersOpenApi },
    routers: [
      createOrderRouter({ outbox, expirationWindowSeconds }),
      listOrdersRouter,
      showOrderRouter,
      orderEventsRouter({ orderUpdates, liveStreams }),
      cancelOrderRouter({ outbox }),
    ],
  });
}
