import { randomUUID } from 'node:crypto';
import {
  connectBus,
  createLogger,
  EVENT_STREAM,
  OrderCancelReason,
  OrderStatus,
  Outbox,
  parseEventData,
  publishEventPayload,
  type Bus,
  type BusLogger,
  type EventData,
  type Subjects,
  type TicketStatus,
} from '@ticketing/common';
import {
  signin,
  startServiceTestEnvironment,
  TEST_JWT_KEYS,
  waitForConsumer,
  type ServiceTestEnvironment,
} from '@ticketing/common/testing';
import type { Express } from 'express';
import mongoose from 'mongoose';
import request from 'supertest';
import { createApp } from '../src/app';
import { OrderCancelledListener } from '../src/events/listeners/order-cancelled-listener';
import { OrderCompletedListener } from '../src/events/listeners/order-completed-listener';
import { OrderCreatedListener } from '../src/events/listeners/order-created-listener';

export interface TicketsTestContext {
  env: ServiceTestEnvironment;
  outbox: Outbox;
  app: Express;
}

/** Real JetStream and MongoDB (engine), an outbox that publishes on commit, and the app under test. */
export async function startTicketsTest(): Promise<TicketsTestContext> {
  const env = await startServiceTestEnvironment();
  const logger = createLogger('tickets-test');
  const outbox = new Outbox({ connection: mongoose.connection, bus: env.bus, logger });
  const app = createApp({ logger, jwtPublicKeys: TEST_JWT_KEYS.publicKeys, outbox });
  return { env, outbox, app };
}

export function newObjectId(): string {
  return new mongoose.Types.ObjectId().toHexString();
}

export interface TicketBody {
  id: string;
  title: string;
  price: number;
  userId: string;
  version: number;
  status: TicketStatus;
  orderId?: string;
  reservedUntil?: string;
  createdAt: string;
}

/** What the ticket's events say of a ticket as the API shows it: everything but the reservation end and listing date. */
export function asEventData({ reservedUntil: _reservedUntil, createdAt: _createdAt, ...data }: TicketBody) {
  return data;
}

/** Creates a ticket through the API as the given user (a new one by default). */
export async function createTicket(
  app: Express,
  fields: { title?: string; price?: number } = {},
  cookie: string[] = signin(),
): Promise<TicketBody> {
  const response = await request(app)
    .post('/api/tickets')
    .set('Cookie', cookie)
    .send({ title: fields.title ?? 'Concert', price: fields.price ?? 20 });
  expect(response.status).toBe(201);
  return response.body as TicketBody;
}

export interface StoredTicketEvent {
  subject: string;
  data: EventData<Subjects.TicketUpdated>;
}

/** Every ticket.* event of this ticket in the stream, in stream order. */
export async function storedTicketEvents(bus: Bus, ticketId: string): Promise<StoredTicketEvent[]> {
  const jsm = await bus.jetstreamManager();
  const stream = await jsm.streams.info(EVENT_STREAM, { subjects_filter: 'ticket.>' });
  const total = Object.values(stream.state.subjects ?? {}).reduce((sum, count) => sum + count, 0);
  const events: StoredTicketEvent[] = [];
  if (total === 0) return events;

  const consumer = await bus.js.consumers.get(EVENT_STREAM, { filter_subjects: 'ticket.>' });
  const messages = await consumer.fetch({ max_messages: total, expires: 10_000 });
  for await (const msg of messages) {
    events.push({ subject: msg.subject, data: msg.json() });
    if (events.length === total) break;
  }
  expect(events).toHaveLength(total);
  return events.filter((event) => event.data.id === ticketId);
}

export interface RunningListeners {
  orderCreated: OrderCreatedListener;
  orderCancelled: OrderCancelledListener;
  orderCompleted: OrderCompletedListener;
  /** The listeners' own connection. */
  bus: Bus;
  /** Waits until every listener has handled every stored message. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The service's listeners on their own connection (logging to `logger`), with short retry
 * delays and few deliveries so that failures reach the dead-letter stream within a test.
 */
export async function startTicketListeners(context: TicketsTestContext, logger: BusLogger): Promise<RunningListeners> {
  const bus = await connectBus({ servers: context.env.nats.url, name: 'tickets-listeners', logger });
  const outbox = new Outbox({ connection: mongoose.connection, bus, logger });
  const options = { serviceName: 'tickets', retryDelayMs: 50, maxRetryDelayMs: 400, maxDeliveries: 5 };
  const orderCreated = new OrderCreatedListener(bus, options, outbox);
  const orderCancelled = new OrderCancelledListener(bus, options, outbox);
  const orderCompleted = new OrderCompletedListener(bus, options, outbox);
  const all = [orderCreated, orderCancelled, orderCompleted];
  for (const listener of all) await listener.listen();
  return {
    orderCreated,
    orderCancelled,
    orderCompleted,
    bus,
    async caughtUp() {
      for (const listener of all) await waitForConsumer(bus, listener.durableName);
    },
    async stop() {
      for (const listener of all) await listener.stop();
      await bus.close();
    },
  };
}

/** Publishes an event as its producer would, each call with a new event id (so a repeat is a redelivery, not a dropped duplicate). */
export async function publishEvent<S extends Subjects>(bus: Bus, subject: S, data: EventData<S>): Promise<void> {
  await publishEventPayload(bus, subject, parseEventData(subject, data), randomUUID());
}

export function orderCreatedData(
  ticket: { id: string; price: number },
  orderId = newObjectId(),
): EventData<Subjects.OrderCreated> {
  return {
    id: orderId,
    version: 0,
    status: OrderStatus.Created,
    userId: newObjectId(),
    expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
    ticket: { id: ticket.id, price: ticket.price },
  };
}

export function orderCancelledData(ticketId: string, orderId: string): EventData<Subjects.OrderCancelled> {
  return { id: orderId, version: 1, reason: OrderCancelReason.RequestedByBuyer, ticket: { id: ticketId } };
}

export function orderCompletedData(
  ticket: { id: string; title: string; price: number },
  orderId: string,
): EventData<Subjects.OrderCompleted> {
  return {
    id: orderId,
    version: 1,
    userId: newObjectId(),
    ticket: { id: ticket.id, title: ticket.title, price: ticket.price },
  };
}
