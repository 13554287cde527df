import { runService, type ServiceMetrics } from '@ticketing/common';
import { createApp } from './app';
import { mailSettingsOf, notificationsEnv } from './config';
import { createSmtpTransport, startEmailSender } from './email-sender';
import { OrderCancelledListener } from './events/listeners/order-cancelled-listener';
import { OrderCompletedListener } from './events/listeners/order-completed-listener';
import { OrderCreatedListener } from './events/listeners/order-created-listener';
import { PaymentRefundedListener } from './events/listeners/payment-refunded-listener';
import { TicketCreatedListener } from './events/listeners/ticket-created-listener';
import { TicketUpdatedListener } from './events/listeners/ticket-updated-listener';
import { UserCreatedListener } from './events/listeners/user-created-listener';
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
  listeners: (runtime) => {
    const options = { serviceName: runtime.name };
    const deps = { settings: mailSettingsOf(runtime.config), metrics: notificationMetrics(runtime) };
    return [
      new UserCreatedListener(runtime.bus!, options, deps),
      new TicketCreatedListener(runtime.bus!, options),
      new TicketUpdatedListener(runtime.bus!, options),
      new OrderCreatedListener(runtime.bus!, options),
      new OrderCompletedListener(runtime.bus!, options, deps),
      new OrderCancelledListener(runtime.bus!, options, deps),
      new PaymentRefundedListener(runtime.bus!, options, deps),
    ];
  },
  background: (runtime) => [
    startEmailSender({
      transport: createSmtpTransport(runtime.config.SMTP_URL),
      from: runtime.config.MAIL_FROM,
      metrics: notificationMetrics(runtime),
      logger: runtime.logger,
    }),
  ],
});
