import {
  EventTooEarlyError,
  Listener,
  Subjects,
  TicketStatus,
  type Bus,
  type ListenerOptions,
  type OrderCreatedEvent,
  type Outbox,
} from '@ticketing/common';
import { Ticket } from '../../models/ticket';

/**
 * Reserves the ordered ticket: status reserved, orderId and reservedUntil set, version bumped and
 * ticket.updated published, in one outbox transaction. A redelivered event, or one of an order
 * already over, changes nothing.
 *
 * Orders allows one reserving order per ticket, so a ticket still held by another order means that
 * order's cancellation (a separate consumer) has not been handled yet: the event is early and waits
 * for it, which makes every interleaving end as the in-order run does. A sold or withdrawn ticket
 * is never reserved again (orders cancels an order for a withdrawn ticket when it learns of it).
 */
export class OrderCreatedListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;

  constructor(
    bus: Bus,
    options: ListenerOptions,
    private readonly outbox: Outbox,
  ) {
    super(bus, options);
  }

  async onMessage(order: OrderCreatedEvent['data']): Promise<void> {
    await this.outbox.transaction(async (session, record) => {
      const ticket = await Ticket.findById(order.ticket.id).session(session);
      // Orders only exist for tickets this service announced; a missing one is an error worth retrying, then dead-lettering.
      if (!ticket) throw new Error(`order ${order.id} is for unknown ticket ${order.ticket.id}`);
      if (ticket.hasHandledOrder(order.id)) return;
      if (ticket.status === TicketStatus.Sold || ticket.status === TicketStatus.Withdrawn) {
        this.logger.warn(
          { orderId: order.id, ticketId: ticket.id, status: ticket.status },
          'order for a ticket that is no longer for sale, not reserved',
        );
        return;
      }
      if (ticket.status === TicketStatus.Reserved) {
        throw new EventTooEarlyError(`ticket ${ticket.id} is still held by order ${ticket.orderId}`);
      }
      ticket.reserve(order.id, new Date(order.expiresAt));
      await ticket.save({ session });
      record(Subjects.TicketUpdated, ticket.eventData());
    });
  }
}
