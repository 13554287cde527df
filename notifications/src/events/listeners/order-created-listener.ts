import { insertReplicaIfAbsent, Listener, Subjects, type OrderCreatedEvent } from '@ticketing/common';
import { Order } from '../../models/order';

/** Keeps a copy of each new order: its buyer, ticket and price, for the emails of its expiry and refund. */
export class OrderCreatedListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;

  async onMessage(data: OrderCreatedEvent['data']): Promise<void> {
    await insertReplicaIfAbsent(Order, data.id, {
      version: data.version,
      userId: data.userId,
      ticketId: data.ticket.id,
      price: data.ticket.price,
    });
  }
}
