import { Listener, Subjects, type Bus, type OrderCreatedEvent } from '@ticketing/common';
import type { ExpirationQueue } from '../../queues/expiration-queue';
import { SERVICE_NAME } from '../../service-name';

/** Schedules the new order's expiration at its `expiresAt`. */
export class OrderCreatedListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;

  constructor(
    bus: Bus,
    private readonly expirations: ExpirationQueue,
  ) {
    super(bus, { serviceName: SERVICE_NAME });
  }

  async onMessage(data: OrderCreatedEvent['data']): Promise<void> {
    await this.expirations.schedule(data.id, new Date(data.expiresAt));
  }
}
