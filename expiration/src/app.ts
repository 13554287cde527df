import { createServiceApp, type Logger, type ReadinessChecks } from '@ticketing/common';
import type { Express } from 'express';
import { metricsRouter, type MetricsSource } from './routes/metrics';

export interface AppOptions {
  logger: Logger;
  readinessChecks?: ReadinessChecks;
  metrics: MetricsSource;
}

/**
 * The expiration service has no public API, so no /api routes and no OpenAPI document: only the
 * kit's /healthz and /readyz and GET /metrics for Prometheus.
 */
export function createApp(options: AppOptions): Express {
  return createServiceApp({
    logger: options.logger,
    readinessChecks: options.readinessChecks,
    routers: [metricsRouter(options.metrics)],
  });
}
