import type { BaseEvent, Bus, Listener, ListenerOptions } from '@ticketing/common';
import type { NotificationDependencies } from '../../record-email';
import { OrderCancelledListener } from './order-cancelled-listener';
import { OrderCompletedListener } from './order-completed-listener';
import { OrderCreatedListener } from './order-created-listener';
import { PaymentRefundedListener } from './payment-refunded-listener';
import { TicketCreatedListener } from './ticket-created-listener';
import { TicketUpdatedListener } from './ticket-updated-listener';
import { UserCreatedListener } from './user-created-listener';

/**
 * Every listener of the service: the copies it keeps (users, tickets, orders) and the events that
 * make emails. main.ts runs these, and so do the tests' replicas.
 */
export function notificationListeners(
  bus: Bus,
  options: ListenerOptions,
  deps: NotificationDependencies,
): Listener<BaseEvent>[] {
  return [
    new UserCreatedListener(bus, options, deps),
    new TicketCreatedListener(bus, options),
    new TicketUpdatedListener(bus, options),
    new OrderCreatedListener(bus, options),
    new OrderCompletedListener(bus, options, deps),
    new OrderCancelledListener(bus, options, deps),
    new PaymentRefundedListener(bus, options, deps),
  ];
}
