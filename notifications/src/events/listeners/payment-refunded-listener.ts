import {
  EventTooEarlyError,
  Listener,
  Subjects,
  type Bus,
  type ListenerOptions,
  type PaymentRefundedEvent,
} from '@ticketing/common';
import { refundEmail } from '../../emails/refund';
import { EmailKind } from '../../models/email';
import { Order } from '../../models/order';
import { Ticket } from '../../models/ticket';
import { emailOf } from '../../models/user';
import { eventIdOf, recordEmail, type DeliveredMessage, type NotificationDependencies } from '../../record-email';

/** Records "your payment was refunded" for the order's buyer (always sent: it is about their money). */
export class PaymentRefundedListener extends Listener<PaymentRefundedEvent> {
  readonly subject = Subjects.PaymentRefunded;

  constructor(
    bus: Bus,
    options: ListenerOptions,
    private readonly deps: NotificationDependencies,
  ) {
    super(bus, options);
  }

  async onMessage(data: PaymentRefundedEvent['data'], msg: DeliveredMessage): Promise<void> {
    const order = await Order.findById(data.orderId).lean();
    if (!order) throw new EventTooEarlyError(`order ${data.orderId} has not arrived yet`);
    const ticket = await Ticket.findById(order.ticketId, { title: 1 }).lean();
    if (!ticket) throw new EventTooEarlyError(`ticket ${order.ticketId} has not arrived yet`);
    const buyerEmail = await emailOf(order.userId);
    if (!buyerEmail) throw new EventTooEarlyError(`the buyer's account ${order.userId} has not arrived yet`);

    const content = refundEmail(
      { orderId: data.orderId, ticketTitle: ticket.title, amount: data.amount, currency: data.currency },
      this.deps.settings,
    );
    await recordEmail(
      {
        eventId: eventIdOf(msg),
        eventSubject: this.subject,
        kind: EmailKind.Refund,
        userId: order.userId,
        to: buyerEmail,
        content,
      },
      this.deps,
    );
  }
}
