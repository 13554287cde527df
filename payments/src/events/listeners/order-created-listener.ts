import { insertReplicaIfAbsent, Listener, Subjects, type OrderCreatedEvent } from '@ticketing/common';
import { Order } from '../../models/order';

/** Keeps a copy of each new order: what payments needs to charge it, check its owner and refuse it once expired. */
export class OrderCreatedListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;

  async onMessage(data: OrderCreatedEvent['data']): Promise<void> {
    await insertReplicaIfAbsent(Order, data.id, {
      version: data.version,
      userId: data.userId,
      price: data.ticket.price,
      status: data.status,
      expiresAt: new Date(data.expiresAt),
    });
  }
}
