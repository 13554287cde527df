import {
  Listener,
  OrderCancelReason,
  Subjects,
  type Bus,
  type ExpirationCompleteEvent,
  type ListenerOptions,
  type Outbox,
} from '@ticketing/common';
import { Order } from '../../models/order';

/** Cancels an order whose payment window has passed, unless it was paid in time. */
export class ExpirationCompleteListener extends Listener<ExpirationCompleteEvent> {
  readonly subject = Subjects.ExpirationComplete;

  constructor(
    bus: Bus,
    options: ListenerOptions,
    private readonly outbox: Outbox,
  ) {
    super(bus, options);
  }

  async onMessage(data: ExpirationCompleteEvent['data']): Promise<void> {
    const outcome = await Order.cancel(this.outbox, data.orderId, OrderCancelReason.Expired);
    if (outcome === 'not-found') {
      this.logger.warn({ orderId: data.orderId }, 'expiration for an unknown order ignored');
    } else {
      this.logger.info({ orderId: data.orderId, outcome }, 'order expiration handled');
    }
  }
}
