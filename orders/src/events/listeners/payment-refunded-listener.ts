import { EventTooEarlyError, Listener, Subjects, type PaymentRefundedEvent } from '@ticketing/common';
import { Order } from '../../models/order';

/** Shows the refund on the order's payment. A refund of a payment not recorded yet waits for payment.created. */
export class PaymentRefundedListener extends Listener<PaymentRefundedEvent> {
  readonly subject = Subjects.PaymentRefunded;

  async onMessage(data: PaymentRefundedEvent['data']): Promise<void> {
    const outcome = await Order.recordRefund(data.orderId, data.id, new Date(data.refundedAt));
    if (outcome === 'early')
      throw new EventTooEarlyError(`payment ${data.id} of order ${data.orderId} not recorded yet`);
    this.logger.info({ orderId: data.orderId, paymentId: data.id, outcome }, 'payment refund recorded');
  }
}
