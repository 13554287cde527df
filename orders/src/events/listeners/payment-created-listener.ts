import { Listener, Subjects, type Bus, type ListenerOptions, type PaymentCreatedEvent } from '@ticketing/common';
import { Order } from '../../models/order';
import { UnmatchedPayment } from '../../models/unmatched-payment';
import { ORDERS_SERVICE } from '../service-name';

/**
 * Marks the paid order complete. A payment that arrives after its order was cancelled (or for an
 * order this service does not know) is recorded for a refund and reported, never dropped.
 */
export class PaymentCreatedListener extends Listener<PaymentCreatedEvent> {
  readonly subject = Subjects.PaymentCreated;

  constructor(bus: Bus, options: Partial<ListenerOptions> = {}) {
    super(bus, { serviceName: ORDERS_SERVICE, ...options });
  }

  async onMessage(data: PaymentCreatedEvent['data']): Promise<void> {
    const outcome = await Order.complete(data.orderId);
    if (outcome === 'completed' || outcome === 'already-complete') {
      this.logger.info({ orderId: data.orderId, paymentId: data.id, outcome }, 'order paid');
      return;
    }
    const reason = outcome === 'paid-after-cancel' ? 'order-cancelled' : 'order-not-found';
    await UnmatchedPayment.updateOne(
      { paymentId: data.id },
      { $setOnInsert: { orderId: data.orderId, stripeId: data.stripeId, reason, createdAt: new Date() } },
      { upsert: true },
    );
    this.logger.error(
      { orderId: data.orderId, paymentId: data.id, stripeId: data.stripeId, reason },
      'payment for an order that cannot be completed, recorded for refund',
    );
  }
}
