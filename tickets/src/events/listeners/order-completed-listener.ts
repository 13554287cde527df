import {
  Listener,
  Subjects,
  TicketStatus,
  type Bus,
  type ListenerOptions,
  type OrderCompletedEvent,
  type Outbox,
} from '@ticketing/common';
import { Ticket } from '../../models/ticket';

/**
 * Marks the ticket sold to the paid order, for good: status sold, version bumped, ticket.updated
 * published, in one outbox transaction. A paid order wins over whatever this service believes:
 * it may see order.completed before the order's order.created (separate consumers), while another
 * order's cancellation is still on its way, or after the seller withdrew the ticket in the moment
 * before orders learned of it. Nothing afterwards returns a sold ticket to sale.
 */
export class OrderCompletedListener extends Listener<OrderCompletedEvent> {
  readonly subject = Subjects.OrderCompleted;

  constructor(
    bus: Bus,
    options: ListenerOptions,
    private readonly outbox: Outbox,
  ) {
    super(bus, options);
  }

  async onMessage(order: OrderCompletedEvent['data']): Promise<void> {
    await this.outbox.transaction(async (session, record) => {
      const ticket = await Ticket.findById(order.ticket.id).session(session);
      if (!ticket) throw new Error(`completed order ${order.id} is for unknown ticket ${order.ticket.id}`);
      if (ticket.status === TicketStatus.Sold) {
        if (ticket.orderId !== order.id) {
          // Orders allows one paid order per ticket: two would be a bug there, not something to fix here.
          this.logger.error(
            { orderId: order.id, ticketId: ticket.id, soldTo: ticket.orderId },
            'completed order for a ticket sold to another order, ignored',
          );
        }
        return;
      }
      if (ticket.status === TicketStatus.Withdrawn) {
        this.logger.warn({ orderId: order.id, ticketId: ticket.id }, 'withdrawn ticket was paid for, sold anyway');
      }
      ticket.sell(order.id);
      await ticket.save({ session });
      record(Subjects.TicketUpdated, ticket.eventData());
    });
  }
}
