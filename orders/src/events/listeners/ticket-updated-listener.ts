import {
  applyReplicaUpdate,
  Listener,
  OrderCancelReason,
  Subjects,
  TicketStatus,
  type Bus,
  type ListenerOptions,
  type Outbox,
  type TicketUpdatedEvent,
} from '@ticketing/common';
import { LIVE_STATUSES, Order } from '../../models/order';
import { Ticket } from '../../models/ticket';

/**
 * Applies a ticket change to the copy in version order: older versions are duplicates, a version
 * beyond the next one is redelivered later (applyReplicaUpdate throws EventTooEarlyError).
 *
 * A withdrawal can cross an order: the seller withdrew before the tickets service learned of the
 * order, so the withdrawal won and the order is cancelled here. This runs for a redelivered
 * withdrawal too, in case the first delivery stopped between the two steps.
 */
export class TicketUpdatedListener extends Listener<TicketUpdatedEvent> {
  readonly subject = Subjects.TicketUpdated;

  constructor(
    bus: Bus,
    options: ListenerOptions,
    private readonly outbox: Outbox,
  ) {
    super(bus, options);
  }

  async onMessage(data: TicketUpdatedEvent['data']): Promise<void> {
    const result = await applyReplicaUpdate(Ticket, data.id, data.version, {
      title: data.title,
      price: data.price,
      userId: data.userId,
      status: data.status,
    });
    if (result === 'duplicate') {
      this.logger.info({ ticketId: data.id, version: data.version }, 'ticket update already applied');
    }
    if (data.status !== TicketStatus.Withdrawn) return;
    const liveOrders = await Order.find({ ticket: data.id, status: { $in: LIVE_STATUSES } }, { _id: 1 }).lean();
    for (const { _id } of liveOrders) {
      const outcome = await Order.cancel(this.outbox, String(_id), OrderCancelReason.TicketWithdrawn);
      this.logger.warn({ orderId: String(_id), ticketId: data.id, outcome }, 'order for a withdrawn ticket cancelled');
    }
  }
}
