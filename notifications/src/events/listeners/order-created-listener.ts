import { Listener, Subjects, type OrderCreatedEvent } from '@ticketing/common';
import { Order } from '../../models/order';

/** Keeps a copy of each new order: its buyer, ticket and price, for the emails of its expiry and refund. */
export class OrderCreatedListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;

  async onMessage(data: OrderCreatedEvent['data']): Promise<void> {
    // Insert-if-absent: a redelivered order.created changes nothing.
    await Order.updateOne(
      { _id: data.id },
      {
        $setOnInsert: {
          version: data.version,
          userId: data.userId,
          ticketId: data.ticket.id,
          price: data.ticket.price,
        },
      },
      { upsert: true },
    );
  }
}
