import { Listener, Subjects, type Bus, type OrderCancelledEvent } from '@ticketing/common';
import type { ExpirationQueue } from '../../queues/expiration-queue';
import { SERVICE_NAME } from '../../service-name';

/** A cancelled order has nothing left to expire: removes its pending expiration. */
export class OrderCancelledListener extends Listener<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;

  constructor(
    bus: Bus,
    private readonly expirations: ExpirationQueue,
  ) {
    super(bus, { serviceName: SERVICE_NAME });
  }

  async onMessage(data: OrderCancelledEvent['data']): Promise<void> {
    await this.expirations.cancel(data.id);
  }
}
