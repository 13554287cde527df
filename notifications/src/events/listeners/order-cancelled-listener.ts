import {
  Listener,
  OrderCancelReason,
  Subjects,
  type Bus,
  type ListenerOptions,
  type OrderCancelledEvent,
} from '@ticketing/common';
import { reservationExpiredEmail } from '../../emails/reservation-expired';
import { EmailKind } from '../../models/email';
import { orderBuyer } from '../../order-buyer';
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
    const { order, ticketTitle, buyerEmail } = await orderBuyer(data.id);

    const content = reservationExpiredEmail(
      { orderId: data.id, ticketId: order.ticketId, ticketTitle, price: order.price },
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
