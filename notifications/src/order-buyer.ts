import { EventTooEarlyError } from '@ticketing/common';
import { Order } from './models/order';
import { Ticket } from './models/ticket';
import { emailOf } from './models/user';

/** What an email to an order's buyer is made of: the order copy, its ticket's title, the buyer's address. */
export interface OrderBuyer {
  order: Order;
  ticketTitle: string;
  buyerEmail: string;
}

/**
 * The order, its ticket and its buyer from this service's copies; EventTooEarlyError while one of
 * them has not arrived yet, so that the event is redelivered once it has.
 */
export async function orderBuyer(orderId: string): Promise<OrderBuyer> {
  const order = await Order.findById(orderId).lean();
  if (!order) throw new EventTooEarlyError(`order ${orderId} has not arrived yet`);
  const ticket = await Ticket.findById(order.ticketId, { title: 1 }).lean();
  if (!ticket) throw new EventTooEarlyError(`ticket ${order.ticketId} has not arrived yet`);
  const buyerEmail = await emailOf(order.userId);
  if (!buyerEmail) throw new EventTooEarlyError(`the buyer's account ${order.userId} has not arrived yet`);
  return { order, ticketTitle: ticket.title, buyerEmail };
}
