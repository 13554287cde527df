import { runService, type ServiceMetrics } from '@ticketing/common';
import { createApp } from './app';
import { mailSettingsOf, notificationsEnv } from './config';
import { createSmtpTransport, startEmailSender } from './email-sender';
import { notificationListeners } from './events/listeners';
import { NotificationMetrics } from './metrics';

let metrics: NotificationMetrics | undefined;

/** The one set of notification metrics, on the service's registry (runService always gives one). */
function notificationMetrics(runtime: { metrics?: ServiceMetrics }): NotificationMetrics {
  metrics ??= new NotificationMetrics(runtime.metrics!);
  return metrics;
}

void runService({
  name: 'notifications',
  uses: { mongo: true, nats: true, revokedSessions: true },
  env: notificationsEnv,
  createApp: (runtime, readinessChecks) =>
    createApp({
      logger: runtime.logger,
      jwtPublicKeys: runtime.config.JWT_PUBLIC_KEYS,
      revokedSessions: runtime.revokedSessions,
      readinessChecks,
      metrics: notificationMetrics(runtime),
    }),
  listeners: (runtime) =>
    notificationListeners(
      runtime.bus!,
      { serviceName: runtime.name },
      { settings: mailSettingsOf(runtime.config), metrics: notificationMetrics(runtime) },
    ),
  background: (runtime) => [
    startEmailSender({
      transport: createSmtpTransport(runtime.config.SMTP_URL),
      from: runtime.config.MAIL_FROM,
      metrics: notificationMetrics(runtime),
      logger: runtime.logger,
    }),
  ],
});
