import {
  createServiceApp,
  type JwtPublicKeys,
  type Logger,
  type ReadinessChecks,
  type RevocationList,
} from '@ticketing/common';
import type { Express } from 'express';
import type { NotificationMetrics } from './metrics';
import { openApiDocument } from './openapi';
import { showPreferencesRouter } from './routes/show-preferences';
import { updatePreferencesRouter } from './routes/update-preferences';

export interface NotificationsAppOptions {
  logger: Logger;
  /** Auth's public keys, which verify session JWTs. */
  jwtPublicKeys: JwtPublicKeys;
  /** Signed-out sessions (see runService's `uses.revokedSessions`); tests without NATS pass none. */
  revokedSessions?: RevocationList;
  readinessChecks?: ReadinessChecks;
  /** Emails sent, failed and skipped, on the service's metrics (which the app serves at /metrics). */
  metrics?: NotificationMetrics;
}

/** The HTTP side of notifications: the user's email preferences. Emails themselves come from events. */
export function createApp(options: NotificationsAppOptions): Express {
  return createServiceApp({
    logger: options.logger,
    jwtPublicKeys: options.jwtPublicKeys,
    revokedSessions: options.revokedSessions,
    readinessChecks: options.readinessChecks,
    metrics: options.metrics?.service,
    openApi: { basePath: '/api/notifications', document: openApiDocument },
    routers: [showPreferencesRouter, updatePreferencesRouter],
  });
}
