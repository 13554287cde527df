import {
  Listener,
  PaymentStatus,
  Subjects,
  type Bus,
  type ListenerOptions,
  type Outbox,
  type PaymentCreatedEvent,
} from '@ticketing/common';
import { Order } from '../../models/order';

/**
 * Marks the paid order complete (publishing order.completed) and keeps its payment on it. A payment
 * that arrives after its order was cancelled stays on the cancelled order, so the buyer sees it;
 * the payments service refunds it when it learns of the cancellation.
 */
export class PaymentCreatedListener extends Listener<PaymentCreatedEvent> {
  readonly subject = Subjects.PaymentCreated;

  constructor(
    bus: Bus,
    options: ListenerOptions,
    private readonly outbox: Outbox,
  ) {
    super(bus, options);
  }

  async onMessage(data: PaymentCreatedEvent['data']): Promise<void> {
    const outcome = await Order.complete(this.outbox, data.orderId, {
      id: data.id,
      amount: data.amount,
      currency: data.currency,
      card: data.card,
      paidAt: new Date(data.createdAt),
      status: PaymentStatus.Succeeded,
    });
    const context = { orderId: data.orderId, paymentId: data.id, outcome };
    if (outcome === 'paid-after-cancel') this.logger.warn(context, 'payment for a cancelled order, to be refunded');
    else this.logger.info(context, 'order paid');
  }
}
