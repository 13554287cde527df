import { Listener, Subjects, type Bus, type ListenerOptions, type PaymentRefundedEvent } from '@ticketing/common';
import { refundEmail } from '../../emails/refund';
import { EmailKind } from '../../models/email';
import { orderBuyer } from '../../order-buyer';
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
    const { order, ticketTitle, buyerEmail } = await orderBuyer(data.orderId);

    const content = refundEmail(
      { orderId: data.orderId, ticketTitle, amount: data.amount, currency: data.currency },
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
