import { createServiceApp, type Logger, type Outbox, type ReadinessChecks } from '@ticketing/common';
import type { Express } from 'express';
import { ordersOpenApi } from './openapi';
import { cancelOrderRouter } from './routes/cancel-order';
import { createOrderRouter } from './routes/create-order';
import { listOrdersRouter } from './routes/list-orders';
import { showOrderRouter } from './routes/show-order';

export interface OrdersAppOptions {
  logger: Logger;
  jwtKey: string;
  readinessChecks?: ReadinessChecks;
  outbox: Outbox;
  /** How long a new order reserves its ticket. */
  expirationWindowSeconds: number;
}

export function createApp(options: OrdersAppOptions): Express {
  const { outbox, expirationWindowSeconds } = options;
  return createServiceApp({
    logger: options.logger,
    jwtKey: options.jwtKey,
    readinessChecks: options.readinessChecks,
    openApi: { basePath: '/api/orders', document: ordersOpenApi },
    routers: [
      createOrderRouter({ outbox, expirationWindowSeconds }),
      listOrdersRouter,
      showOrderRouter,
      cancelOrderRouter({ outbox }),
    ],
  });
}
