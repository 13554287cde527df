import { Listener, Subjects, type Bus, type ListenerOptions, type OrderCancelledEvent } from '@ticketing/common';
import type { ExpirationQueue } from '../../queues/expiration-queue';

/** A cancelled order has nothing left to expire: removes its pending expiration. */
export class OrderCancelledListener extends Listener<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;

  constructor(
    bus: Bus,
    options: ListenerOptions,
    private readonly expirations: ExpirationQueue,
  ) {
    super(bus, options);
  }

  async onMessage(data: OrderCancelledEvent['data']): Promise<void> {
    await this.expirations.cancel(data.id);
  }
}
