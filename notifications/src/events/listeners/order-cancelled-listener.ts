import {
  EventTooEarlyError,
  Listener,
  OrderCancelReason,
  Subjects,
  type Bus,
  type ListenerOptions,
  type OrderCancelledEvent,
} from '@ticketing/common';
import { reservationExpiredEmail } from '../../emails/reservation-expired';
import { EmailKind } from '../../models/email';
import { Order } from '../../models/order';
import { Ticket } from '../../models/ticket';
import { emailOf } from '../../models/user';
import { eventIdOf, recordEmail, type DeliveredMessage, type NotificationDependencies } from '../../record-email';

/**
 * Records "your reservation expired" for the buyer of an order cancelled for expiry (a buyer who
 * cancelled knows it, and a withdrawn ticket is not the buyer's doing to be told of this way).
 */
export class OrderCancelledListener extends Listener<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;

  constructor(
    bus: Bus,
    options: ListenerOptions,
    private readonly deps: NotificationDependencies,
  ) {
    super(bus, options);
  }

  async onMessage(data: OrderCancelledEvent['data'], msg: DeliveredMessage): Promise<void> {
    if (data.reason !== OrderCancelReason.Expired) return;
    const order = await Order.findById(data.id).lean();
    if (!order) throw new EventTooEarlyError(`order ${data.id} has not arrived yet`);
    const ticket = await Ticket.findById(order.ticketId, { title: 1 }).lean();
    if (!ticket) throw new EventTooEarlyError(`ticket ${order.ticketId} has not arrived yet`);
    const buyerEmail = await emailOf(order.userId);
    if (!buyerEmail) throw new EventTooEarlyError(`the buyer's account ${order.userId} has not arrived yet`);

    const content = reservationExpiredEmail(
      { orderId: data.id, ticketId: order.ticketId, ticketTitle: ticket.title, price: order.price },
      this.deps.settings,
    );
    await recordEmail(
      {
        eventId: eventIdOf(msg),
        eventSubject: this.subject,
        kind: EmailKind.ReservationExpired,
        userId: order.userId,
        to: buyerEmail,
        content,
        preference: 'reservationExpired',
      },
      this.deps,
    );
  }
}
