import { createServiceApp, type Logger, type ReadinessChecks, type ServiceMetrics } from '@ticketing/common';
import type { Express } from 'express';

export interface AppOptions {
  logger: Logger;
  readinessChecks?: ReadinessChecks;
  /** The service's metrics, with the queue's and the worker's (see ExpirationMetrics), served at GET /metrics. */
  metrics: ServiceMetrics;
}

/**
 * The expiration service has no public API, so no /api routes and no OpenAPI document: only the
 * kit's /healthz, /readyz and GET /metrics for Prometheus.
 */
export function createApp(options: AppOptions): Express {
  return createServiceApp({
    logger: options.logger,
    readinessChecks: options.readinessChecks,
    routers: [],
    metrics: options.metrics,
  });
}
