import { Listener, Subjects, type Bus, type ListenerOptions, type OrderCreatedEvent } from '@ticketing/common';
import type { ExpirationQueue } from '../../queues/expiration-queue';

/** Schedules the new order's expiration at its `expiresAt`. */
export class OrderCreatedListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;

  constructor(
    bus: Bus,
    options: ListenerOptions,
    private readonly expirations: ExpirationQueue,
  ) {
    super(bus, options);
  }

  async onMessage(data: OrderCreatedEvent['data']): Promise<void> {
    await this.expirations.schedule(data.id, new Date(data.expiresAt));
  }
}
