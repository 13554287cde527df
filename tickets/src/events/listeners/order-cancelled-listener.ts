import {
  Listener,
  Subjects,
  TicketStatus,
  type Bus,
  type ListenerOptions,
  type OrderCancelledEvent,
  type Outbox,
} from '@ticketing/common';
import { Ticket } from '../../models/ticket';

/**
 * Releases the ticket if this order reserves it: for sale again, version bumped and ticket.updated
 * published, in one outbox transaction. Either way the order is remembered as over, so a
 * redelivered order.cancelled changes nothing and an order.created of this order that comes late
 * (its consumer is separate) can no longer reserve the ticket.
 */
export class OrderCancelledListener extends Listener<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;

  constructor(
    bus: Bus,
    options: ListenerOptions,
    private readonly outbox: Outbox,
  ) {
    super(bus, options);
  }

  async onMessage(order: OrderCancelledEvent['data']): Promise<void> {
    await this.outbox.transaction(async (session, record) => {
      const ticket = await Ticket.findById(order.ticket.id).session(session);
      if (!ticket) throw new Error(`cancelled order ${order.id} is for unknown ticket ${order.ticket.id}`);
      if (ticket.cancelledOrderIds.includes(order.id)) return;

      if (ticket.status !== TicketStatus.Reserved || ticket.orderId !== order.id) {
        // Not a state other services see: no new version, no event.
        this.logger.info(
          { orderId: order.id, ticketId: ticket.id, status: ticket.status, heldBy: ticket.orderId ?? null },
          'cancelled order does not reserve the ticket, remembered only',
        );
        await Ticket.updateOne({ _id: ticket._id }, { $addToSet: { cancelledOrderIds: order.id } }, { session });
        return;
      }
      ticket.release(order.id);
      await ticket.save({ session });
      record(Subjects.TicketUpdated, ticket.eventData());
    });
  }
}
