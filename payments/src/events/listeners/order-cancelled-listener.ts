import {
  applyReplicaUpdate,
  Listener,
  OrderStatus,
  PaymentStatus,
  Subjects,
  type Bus,
  type ListenerOptions,
  type OrderCancelledEvent,
} from '@ticketing/common';
import { Order } from '../../models/order';
import { Payment } from '../../models/payment';
import { refundDuePayments } from '../../refund-payment';
import type { PaymentDependencies } from '../../stripe';

/**
 * Marks the order copy cancelled, in version order, so it can no longer be paid, and refunds what
 * was paid for it: the orders service cancelled it before it learned of the payment.
 */
export class OrderCancelledListener extends Listener<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;

  constructor(
    bus: Bus,
    options: ListenerOptions,
    private readonly payments: PaymentDependencies,
  ) {
    super(bus, options);
  }

  async onMessage(data: OrderCancelledEvent['data']): Promise<void> {
    await Order.db.transaction(async (session) => {
      const result = await applyReplicaUpdate(Order, data.id, data.version, { status: OrderStatus.Cancelled }, session);
      if (result === 'applied') {
        // In the copy's transaction: a payment being recorded at the same time conflicts with it (see recordPayment).
        await Payment.updateMany(
          { orderId: data.id, status: PaymentStatus.Succeeded },
          { $set: { refundDue: true } },
          { session },
        );
      }
    });
    // On every delivery, a redelivered duplicate included: it retries a refund Stripe could not make before.
    const refunded = await refundDuePayments(this.payments, { orderId: data.id });
    if (refunded > 0) {
      this.logger.warn({ orderId: data.id, reason: data.reason, refunded }, 'paid order cancelled, refunded');
    }
  }
}
