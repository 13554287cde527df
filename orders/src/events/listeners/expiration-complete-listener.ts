import {
  Listener,
  Subjects,
  type Bus,
  type ExpirationCompleteEvent,
  type ListenerOptions,
  type Outbox,
} from '@ticketing/common';
import { Order } from '../../models/order';
import { ORDERS_SERVICE } from '../service-name';

/** Cancels an order whose payment window has passed, unless it was paid in time. */
export class ExpirationCompleteListener extends Listener<ExpirationCompleteEvent> {
  readonly subject = Subjects.ExpirationComplete;

  constructor(
    bus: Bus,
    private readonly outbox: Outbox,
    options: Partial<ListenerOptions> = {},
  ) {
    super(bus, { serviceName: ORDERS_SERVICE, ...options });
  }

  async onMessage(data: ExpirationCompleteEvent['data']): Promise<void> {
    const outcome = await Order.cancel(this.outbox, data.orderId);
    if (outcome === 'not-found') {
      this.logger.warn({ orderId: data.orderId }, 'expiration for an unknown order ignored');
    } else {
      this.logger.info({ orderId: data.orderId, outcome }, 'order expiration handled');
    }
  }
}
