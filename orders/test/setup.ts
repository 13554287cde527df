import { randomBytes } from 'node:crypto';
import { createLogger, EVENT_STREAM, Outbox, type Bus } from '@ticketing/common';
import {
  startServiceTestEnvironment,
  TEST_JWT_KEY,
  waitFor,
  type ServiceTestEnvironment,
} from '@ticketing/common/testing';
import mongoose from 'mongoose';
import { createApp } from '../src/app';
import { Order } from '../src/models/order';
import { Ticket, type TicketAttrs } from '../src/models/ticket';
import { UnmatchedPayment } from '../src/models/unmatched-payment';

export interface OrdersTestEnvironment extends ServiceTestEnvironment {
  outbox: Outbox;
}

/** Real JetStream and MongoDB (engine) with the orders models' indexes built and an outbox on the bus. */
export async function startOrdersTestEnvironment(): Promise<OrdersTestEnvironment> {
  const env = await startServiceTestEnvironment();
  await Promise.all([Order.init(), Ticket.init(), UnmatchedPayment.init()]);
  const outbox = new Outbox({ connection: mongoose.connection, bus: env.bus, logger: createLogger('orders-test') });
  return { ...env, outbox };
}

export function buildApp(outbox: Outbox, expirationWindowSeconds = 900) {
  return createApp({ logger: createLogger('orders-test'), jwtKey: TEST_JWT_KEY, outbox, expirationWindowSeconds });
}

/** A random id shaped like a MongoDB ObjectId (user ids, ticket ids). */
export function newId(): string {
  return randomBytes(12).toString('hex');
}

/** A ticket copy as ticket.created would leave it. */
export async function insertTicket(attrs: Partial<TicketAttrs> = {}) {
  const ticket: TicketAttrs = { id: newId(), title: 'Concert', price: 20, userId: newId(), version: 0, ...attrs };
  await Ticket.insertIfNew(ticket);
  return ticket;
}

/** Orders' outbox records on `subject` about order `orderId` (what was, or will be, published). */
export async function recordedEvents(outbox: Outbox, subject: string, orderId?: string) {
  return outbox.model
    .find({ subject, ...(orderId ? { 'data.id': orderId } : {}) })
    .sort({ _id: 1 })
    .lean();
}

/** Waits until the durable consumer has handled (acked or terminated) every message in the stream. */
export async function waitForConsumerIdle(bus: Bus, durable: string): Promise<void> {
  const jsm = await bus.jetstreamManager();
  await waitFor(
    async () => {
      const info = await jsm.consumers.info(EVENT_STREAM, durable);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    },
    { timeoutMs: 20_000, description: `${durable} to handle every message` },
  );
}

/** Publishes an event as another service would (a fresh event id, so the stream keeps repeats). */
export async function publishEvent(bus: Bus, subject: string, data: unknown): Promise<void> {
  await bus.js.publish(subject, JSON.stringify(data), { msgID: newId() });
}
