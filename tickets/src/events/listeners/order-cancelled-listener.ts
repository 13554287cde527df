import {
  Listener,
  Subjects,
  type Bus,
  type ListenerOptions,
  type OrderCancelledEvent,
  type Outbox,
} from '@ticketing/common';
import { Ticket } from '../../models/ticket';

/**
 * Releases the ticket if this order holds it: clears orderId, bumps the version and publishes
 * ticket.updated, in one outbox transaction. Either way the order is remembered as cancelled,
 * so a redelivered order.cancelled changes nothing and an order.created of this order that
 * comes late (its consumer is separate) can no longer reserve the ticket.
 */
export class OrderCancelledListener extends Listener<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;

  constructor(
    bus: Bus,
    private readonly outbox: Outbox,
    options: Partial<ListenerOptions> = {},
  ) {
    super(bus, { serviceName: 'tickets', ...options });
  }

  async onMessage(order: OrderCancelledEvent['data']): Promise<void> {
    await this.outbox.transaction(async (session, record) => {
      const ticket = await Ticket.findById(order.ticket.id).session(session);
      if (!ticket) throw new Error(`cancelled order ${order.id} is for unknown ticket ${order.ticket.id}`);
      if (ticket.cancelledOrderIds.includes(order.id)) return;

      if (ticket.orderId !== order.id) {
        // Not a state other services see: no new version, no event.
        this.logger.info(
          { orderId: order.id, ticketId: ticket.id, reservedBy: ticket.orderId ?? null },
          'cancelled order does not hold the ticket, remembered only',
        );
        await Ticket.updateOne({ _id: ticket._id }, { $addToSet: { cancelledOrderIds: order.id } }, { session });
        return;
      }
      ticket.set({ orderId: undefined });
      ticket.cancelledOrderIds.push(order.id);
      await ticket.save({ session });
      record(Subjects.TicketUpdated, ticket.eventData());
    });
  }
}
