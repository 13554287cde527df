import type { Charge } from '@ticketing/fake-stripe';
import type { Db } from 'mongodb';
import { toCents } from '../../../payments/src/money';
import type { DeadLetter } from '@ticketing/common';

/** Order statuses in which an order holds its ticket (orders' own rule: at most one per ticket). */
const RESERVING = ['created', 'complete'];

export interface InvariantSources {
  tickets: Db;
  orders: Db;
  payments: Db;
  /** Every charge attempt the fake Stripe API made, as it is now. */
  charges(): Charge[];
  deadLetters(): Promise<DeadLetter[]>;
}

export interface InvariantOptions {
  /** How long past its expiresAt an order may stay live: the orders service's overdue sweep interval and grace. */
  overdueAllowanceMs: number;
  /** Payloads published as poison on purpose: their dead letters are expected. */
  poisonPayloads: ReadonlySet<string>;
}

interface StoredTicket {
  _id: unknown;
  title: string;
  price: number;
  status: string;
  version: number;
  orderId?: string;
}
interface StoredOrder {
  _id: unknown;
  status: string;
  ticket: unknown;
  expiresAt: Date;
  price: number;
  version: number;
}
interface StoredPayment {
  orderId: string;
  stripeId: string;
  amount: number;
  status: string;
}

/**
 * Every way the system's state can be wrong that the fault suite looks for, read from the services'
 * databases, the fake Stripe API and the dead-letter stream: one sentence per violation, none when
 * the system is consistent.
 */
export async function findViolations(sources: InvariantSources, options: InvariantOptions): Promise<string[]> {
  const violations: string[] = [];
  const tickets = await sources.tickets.collection<StoredTicket>('tickets').find().toArray();
  const orders = await sources.orders.collection<StoredOrder>('orders').find().toArray();
  const ticketCopies = await sources.orders.collection<StoredTicket>('tickets').find().toArray();
  const orderCopies = await sources.payments.collection<StoredOrder>('orders').find().toArray();
  const payments = await sources.payments.collection<StoredPayment>('payments').find().toArray();

  const reservingOrders = new Map<string, StoredOrder[]>();
  for (const order of orders) {
    if (!RESERVING.includes(order.status)) continue;
    const ticketId = String(order.ticket);
    reservingOrders.set(ticketId, [...(reservingOrders.get(ticketId) ?? []), order]);
  }
  for (const [ticketId, holders] of reservingOrders) {
    if (holders.length > 1) {
      violations.push(
        `ticket ${ticketId} is reserved by ${holders.length} orders: ${holders.map((o) => String(o._id))}`,
      );
    }
  }

  const copiesById = new Map(ticketCopies.map((copy) => [String(copy._id), copy]));
  for (const ticket of tickets) {
    const id = String(ticket._id);
    const holder = reservingOrders.get(id)?.[0];
    const expectedOrderId = holder ? String(holder._id) : undefined;
    if ((ticket.orderId ?? undefined) !== expectedOrderId) {
      violations.push(
        `ticket ${id} has orderId ${ticket.orderId ?? 'none'} but is reserved by ${expectedOrderId ?? 'no order'}`,
      );
    }
    const copy = copiesById.get(id);
    if (!copy) {
      violations.push(`ticket ${id} (version ${ticket.version}) has no copy in orders`);
    } else if (
      copy.version !== ticket.version ||
      copy.price !== ticket.price ||
      copy.title !== ticket.title ||
      copy.status !== ticket.status
    ) {
      violations.push(
        `orders' copy of ticket ${id} is version ${copy.version} (${copy.status}, ${copy.price}), ` +
          `tickets has version ${ticket.version} (${ticket.status}, ${ticket.price})`,
      );
    }
  }

  const now = Date.now();
  const orderCopiesById = new Map(orderCopies.map((copy) => [String(copy._id), copy]));
  const ordersById = new Map(orders.map((order) => [String(order._id), order]));
  for (const order of orders) {
    const id = String(order._id);
    if (order.status === 'created' && order.expiresAt.getTime() + options.overdueAllowanceMs < now) {
      violations.push(`order ${id} is still live ${now - order.expiresAt.getTime()} ms after it expired`);
    }
    const copy = orderCopiesById.get(id);
    // Payments completes its copy itself when it records the payment; only the status must agree.
    if (!copy) {
      violations.push(`order ${id} (version ${order.version}) has no copy in payments`);
    } else if (copy.status !== order.status || copy.version > order.version) {
      violations.push(
        `payments' copy of order ${id} is version ${copy.version} (${copy.status}), ` +
          `orders has version ${order.version} (${order.status})`,
      );
    }
  }

  const paymentsByIntent = new Map(payments.map((payment) => [payment.stripeId, payment]));
  for (const payment of payments) {
    const order = ordersById.get(payment.orderId);
    if (!order) {
      violations.push(`payment ${payment.stripeId} is for order ${payment.orderId}, which orders does not know`);
      continue;
    }
    if (order.status !== 'complete' && payment.status !== 'refunded') {
      violations.push(
        `payment ${payment.stripeId} took money for ${order.status} order ${payment.orderId} and was not refunded`,
      );
    }
    // The payments database counts cents, orders keeps the price in currency units.
    if (payment.amount !== toCents(order.price)) {
      violations.push(
        `payment ${payment.stripeId} charged ${payment.amount} cents for order ${payment.orderId} priced ${order.price}`,
      );
    }
  }

  for (const charge of sources.charges()) {
    if (charge.status !== 'succeeded' || charge.refunded) continue;
    const payment = paymentsByIntent.get(charge.payment_intent);
    const order = payment && ordersById.get(payment.orderId);
    if (!order || order.status !== 'complete') {
      violations.push(
        `charge ${charge.id} (${charge.amount} cents) belongs to ${order ? `${order.status} order ${payment!.orderId}` : 'no recorded payment'} and was not refunded`,
      );
    }
  }

  for (const [service, db] of Object.entries({
    tickets: sources.tickets,
    orders: sources.orders,
    payments: sources.payments,
  })) {
    const unpublished = await db.collection('outbox').countDocuments({ publishedAt: null });
    if (unpublished > 0) violations.push(`${service} has ${unpublished} unpublished outbox records`);
  }

  for (const { id, record } of await sources.deadLetters()) {
    if (options.poisonPayloads.has(record.payload)) continue;
    violations.push(`dead letter ${id}: ${record.subject} for ${record.consumer} (${record.reason}: ${record.error})`);
  }
  return violations;
}
