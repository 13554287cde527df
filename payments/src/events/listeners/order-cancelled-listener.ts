import { applyReplicaUpdate, Listener, OrderStatus, Subjects, type OrderCancelledEvent } from '@ticketing/common';
import { Order } from '../../models/order';

/** Marks the order copy cancelled, in version order, so it can no longer be paid. */
export class OrderCancelledListener extends Listener<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;

  async onMessage(data: OrderCancelledEvent['data']): Promise<void> {
    const before = await Order.findById(data.id, { status: 1 }).lean();
    const result = await applyReplicaUpdate(Order, data.id, data.version, { status: OrderStatus.Cancelled });
    if (result === 'applied' && before?.status === OrderStatus.Complete) {
      // Money was taken for an order the orders service cancelled: someone has to refund it.
      this.logger.warn({ orderId: data.id }, 'paid order was cancelled, it needs a refund');
    }
  }
}
