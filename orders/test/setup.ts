import { randomBytes } from 'node:crypto';
import {
  createLogger,
  LiveStreams,
  OrderStatus,
  Outbox,
  PaymentStatus,
  TicketStatus,
  type Bus,
  type EventData,
  type Subjects,
} from '@ticketing/common';
import { startServiceTestEnvironment, TEST_JWT_KEYS, type ServiceTestEnvironment } from '@ticketing/common/testing';
import mongoose from 'mongoose';
import { createApp, type OrdersAppOptions } from '../src/app';
import { Order, type OrderPayment } from '../src/models/order';
import { Ticket, type TicketAttrs } from '../src/models/ticket';
import { OrderUpdates } from '../src/order-updates';

export interface OrdersTestEnvironment extends ServiceTestEnvironment {
  outbox: Outbox;
}

/** Real JetStream and MongoDB (engine) with the orders models' indexes built and an outbox on the bus. */
export async function startOrdersTestEnvironment(): Promise<OrdersTestEnvironment> {
  const env = await startServiceTestEnvironment();
  await Promise.all([Order.init(), Ticket.init()]);
  const outbox = new Outbox({ connection: mongoose.connection, bus: env.bus, logger: createLogger('orders-test') });
  return { ...env, outbox };
}

/** The app as main.ts builds it. Its event streams send only their first event unless given a started `orderUpdates`. */
export function buildApp(outbox: Outbox, overrides: Partial<OrdersAppOptions> = {}) {
  return createApp({
    logger: createLogger('orders-test'),
    jwtPublicKeys: TEST_JWT_KEYS.publicKeys,
    outbox,
    expirationWindowSeconds: 900,
    orderUpdates: new OrderUpdates(),
    liveStreams: new LiveStreams(),
    ...overrides,
  });
}

/** Listener options for tests: the service's durable names, short redelivery delays. */
export const listenerOptions = { serviceName: 'orders', retryDelayMs: 100, maxRetryDelayMs: 200 };

/** A random id shaped like a MongoDB ObjectId (user ids, ticket ids). */
export function newId(): string {
  return randomBytes(12).toString('hex');
}

/** A ticket copy as ticket.created would leave it. */
export async function insertTicket(attrs: Partial<TicketAttrs> = {}) {
  const ticket: TicketAttrs = {
    id: newId(),
    title: 'Concert',
    price: 20,
    userId: newId(),
    status: TicketStatus.Available,
    version: 0,
    ...attrs,
  };
  await Ticket.insertIfNew(ticket);
  return ticket;
}

/** An order (with its ticket copy) stored directly, in any status, as the routes and listeners would leave it. */
export async function insertOrder(
  status: OrderStatus,
  fields: { expiresAt?: Date; userId?: string; payment?: OrderPayment } = {},
) {
  const ticket = await insertTicket();
  return Order.create({
    userId: fields.userId ?? newId(),
    status,
    expiresAt: fields.expiresAt ?? new Date(Date.now() + 60_000),
    ticket: ticket.id,
    ticketTitle: ticket.title,
    ticketVersion: ticket.version,
    price: ticket.price,
    payment: fields.payment,
  });
}

/** payment.created as the payments service publishes it for `orderId`. */
export function paymentCreatedData(orderId: string, amount = 20): EventData<Subjects.PaymentCreated> {
  return {
    id: newId(),
    orderId,
    stripeId: `pi_${newId()}`,
    amount,
    currency: 'usd',
    card: { brand: 'visa', last4: '4242' },
    createdAt: new Date().toISOString(),
  };
}

/** The payment an order keeps from payment.created. */
export function orderPaymentOf(event: EventData<Subjects.PaymentCreated>): OrderPayment {
  return {
    id: event.id,
    amount: event.amount,
    currency: event.currency,
    card: event.card,
    paidAt: new Date(event.createdAt),
    status: PaymentStatus.Succeeded,
  };
}

/** Orders' outbox records on `subject` about order `orderId` (what was, or will be, published). */
export async function recordedEvents(outbox: Outbox, subject: string, orderId?: string) {
  return outbox.model
    .find({ subject, ...(orderId ? { 'data.id': orderId } : {}) })
    .sort({ _id: 1 })
    .lean();
}

/** Publishes an event as another service would (a fresh event id, so the stream keeps repeats). */
export async function publishEvent(bus: Bus, subject: string, data: unknown): Promise<void> {
  await bus.js.publish(subject, JSON.stringify(data), { msgID: newId() });
}
