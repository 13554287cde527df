import {
  Listener,
  Subjects,
  type Bus,
  type ListenerOptions,
  type OrderCreatedEvent,
  type Outbox,
} from '@ticketing/common';
import { Ticket } from '../../models/ticket';

/**
 * Reserves the ordered ticket: sets its orderId, bumps its version and publishes ticket.updated,
 * in one outbox transaction. A redelivered event, or one of an order already cancelled, changes
 * nothing. A ticket already held by another order is left to that order: the orders service
 * allows one live order per ticket, so this is logged and acknowledged, not retried.
 */
export class OrderCreatedListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;

  constructor(
    bus: Bus,
    private readonly outbox: Outbox,
    options: Partial<ListenerOptions> = {},
  ) {
    super(bus, { serviceName: 'tickets', ...options });
  }

  async onMessage(order: OrderCreatedEvent['data']): Promise<void> {
    await this.outbox.transaction(async (session, record) => {
      const ticket = await Ticket.findById(order.ticket.id).session(session);
      // Orders only exist for tickets this service announced; a missing one is an error worth retrying, then dead-lettering.
      if (!ticket) throw new Error(`order ${order.id} is for unknown ticket ${order.ticket.id}`);
      if (ticket.hasHandledOrder(order.id)) return;
      if (ticket.isReserved()) {
        this.logger.warn(
          { orderId: order.id, ticketId: ticket.id, reservedBy: ticket.orderId },
          'order for a ticket reserved by another order, ignored',
        );
        return;
      }
      ticket.set({ orderId: order.id });
      await ticket.save({ session });
      record(Subjects.TicketUpdated, ticket.eventData());
    });
  }
}
