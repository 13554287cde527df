import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  connectBus,
  createLogger,
  OrderCancelReason,
  OrderStatus,
  parseEventData,
  publishEventPayload,
  ServiceMetrics,
  Subjects,
  TicketStatus,
  type BackgroundTask,
  type Bus,
  type EventData,
  type BaseEvent,
  type Listener,
  type ListenerOptions,
} from '@ticketing/common';
import {
  captureLogs,
  startServiceTestEnvironment,
  TEST_JWT_KEYS,
  waitFor,
  waitForConsumer,
  type CapturedLogs,
  type ServiceTestEnvironment,
} from '@ticketing/common/testing';
import { startMailSink, type MailSink, type StoredMessage } from '@ticketing/mail-sink';
import type { Express } from 'express';
import mongoose from 'mongoose';
import { createApp } from '../src/app';
import { parseMailSender, type MailSettings } from '../src/config';
import { createSmtpTransport, startEmailSender, type EmailSenderOptions } from '../src/email-sender';
import { notificationListeners } from '../src/events/listeners';
import { NotificationMetrics } from '../src/metrics';
import { Email, EmailStatus } from '../src/models/email';
import { Order } from '../src/models/order';
import { Ticket } from '../src/models/ticket';
import { User } from '../src/models/user';
import type { NotificationDependencies } from '../src/record-email';

export const TEST_SETTINGS: MailSettings = {
  from: parseMailSender('Ticketing <no-reply@ticketing.local>')!,
  publicUrl: 'https://ticketing.test',
  productName: 'Ticketing',
  currency: 'usd',
};

/** Fast listener retries: an event that is too early comes back within a fraction of a second. */
export const TEST_LISTENER_OPTIONS: ListenerOptions = {
  serviceName: 'notifications',
  retryDelayMs: 100,
  maxRetryDelayMs: 500,
};

/** A sender polling every 50 ms and retrying from 100 ms, so outages in tests last moments. */
const TEST_SENDER_OPTIONS: Pick<EmailSenderOptions, 'intervalMs' | 'retryBaseMs' | 'retryMaxMs' | 'leaseMs'> = {
  intervalMs: 50,
  retryBaseMs: 100,
  retryMaxMs: 400,
  leaseMs: 10_000,
};

/** One instance of the service's event side, as main.ts runs it: every listener and an email sender. */
export interface Replica {
  bus: Bus;
  listeners: Listener<BaseEvent>[];
  sender: BackgroundTask;
  stop(): Promise<void>;
}

export interface NotificationsTestContext {
  env: ServiceTestEnvironment;
  /** The SMTP server the senders send to (restartable: see restartSink). */
  sink: MailSink;
  deps: NotificationDependencies;
  metrics: NotificationMetrics;
  /** What the senders log (level debug). */
  logs: CapturedLogs;
  app: Express;
  /** The replica every test file starts with; startReplica adds more. */
  replica: Replica;
  startReplica(): Promise<Replica>;
  /** Stops the SMTP server: senders find nobody listening. */
  stopSink(): Promise<void>;
  /** Starts it again on the same port and data dir. */
  restartSink(): Promise<void>;
  /** Waits until every listener handled every stored event and no email is left pending. */
  settled(): Promise<void>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The test context of a file: real NATS and MongoDB (engine), the mail sink as the SMTP server, and
 * one replica (listeners and sender) running. Started before its tests, emptied before each.
 */
export function useNotificationsTestContext(): NotificationsTestContext {
  const ctx = {} as NotificationsTestContext;
  beforeAll(async () => {
    Object.assign(ctx, await startNotificationsTestContext());
  });
  afterAll(async () => {
    await ctx.stop();
  });
  beforeEach(async () => {
    await ctx.reset();
  });
  return ctx;
}

export async function startNotificationsTestContext(): Promise<NotificationsTestContext> {
  const env = await startServiceTestEnvironment();
  await Promise.all([Email.init(), User.init(), Ticket.init(), Order.init()]);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'notifications-mail-'));
  let sink = await startMailSink({ dataDir });
  const smtpPort = sink.smtpPort;
  const metrics = new NotificationMetrics(new ServiceMetrics({ service: 'notifications', defaultMetrics: false }));
  const deps: NotificationDependencies = { settings: TEST_SETTINGS, metrics };
  const logs = captureLogs({ serviceName: 'notifications' });
  const app = createApp({
    logger: createLogger('notifications-test'),
    jwtPublicKeys: TEST_JWT_KEYS.publicKeys,
    metrics,
  });
  const replicas: Replica[] = [];
  const extraBuses: Bus[] = [];

  const startReplicaOn = async (bus: Bus): Promise<Replica> => {
    const sender = startEmailSender({
      transport: createSmtpTransport(sink.smtpUrl),
      from: TEST_SETTINGS.from,
      metrics,
      logger: logs.logger,
      ...TEST_SENDER_OPTIONS,
    });
    const listeners = notificationListeners(bus, TEST_LISTENER_OPTIONS, deps);
    for (const listener of listeners) await listener.listen();
    const replica: Replica = {
      bus,
      listeners,
      sender,
      async stop() {
        await Promise.all(listeners.map((listener) => listener.stop()));
        await sender.stop();
      },
    };
    replicas.push(replica);
    return replica;
  };

  const ctx: NotificationsTestContext = {
    env,
    sink,
    deps,
    metrics,
    logs,
    app,
    replica: await startReplicaOn(env.bus),
    async startReplica() {
      const bus = await connectBus({
        servers: env.nats.url,
        name: `replica-${replicas.length + 1}`,
        logger: env.bus.logger,
      });
      extraBuses.push(bus);
      return startReplicaOn(bus);
    },
    async stopSink() {
      await sink.close();
    },
    async restartSink(this: NotificationsTestContext) {
      sink = await startMailSink({ dataDir, smtpPort });
      // `this`: the context the test file holds (useNotificationsTestContext copies this one into it).
      this.sink = sink;
    },
    async settled() {
      for (const listener of ctx.replica.listeners) await waitForConsumer(env.bus, listener.durableName);
      await waitFor(async () => (await Email.countDocuments({ status: EmailStatus.Pending })) === 0, {
        description: 'no email left pending',
      });
    },
    async reset() {
      sink.failWith(undefined);
      await ctx.settled();
      await env.clearDatabase();
    },
    async stop() {
      await Promise.all(replicas.map((replica) => replica.stop()));
      await Promise.all(extraBuses.map((bus) => bus.close()));
      await sink.close();
      await env.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return ctx;
}

const newId = () => new mongoose.Types.ObjectId().toHexString();

/** A new address no other test uses, so each test reads only its own messages from the sink. */
export const newEmail = (name = 'user') => `${name}-${randomUUID().slice(0, 8)}@example.test`;

/** Publishes `data` on `subject` as the services do (validated, with an event id); returns the event id. */
export async function publish<S extends Subjects>(
  bus: Bus,
  subject: S,
  data: EventData<S>,
  eventId: string = newId(),
): Promise<string> {
  await publishEventPayload(bus, subject, parseEventData(subject, data), eventId);
  return eventId;
}

export function userCreatedData(
  fields: Partial<EventData<Subjects.UserCreated>> = {},
): EventData<Subjects.UserCreated> {
  return { id: newId(), email: newEmail(), createdAt: new Date().toISOString(), ...fields };
}

export function ticketCreatedData(
  fields: Partial<EventData<Subjects.TicketCreated>> = {},
): EventData<Subjects.TicketCreated> {
  return {
    id: newId(),
    version: 0,
    title: 'Concert',
    price: 20,
    userId: newId(),
    status: TicketStatus.Available,
    ...fields,
  };
}

export function orderCreatedData(
  ticket: EventData<Subjects.TicketCreated>,
  fields: Partial<EventData<Subjects.OrderCreated>> = {},
): EventData<Subjects.OrderCreated> {
  return {
    id: newId(),
    version: 0,
    status: OrderStatus.Created,
    userId: newId(),
    expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
    ticket: { id: ticket.id, price: ticket.price },
    ...fields,
  };
}

export function orderCompletedData(
  order: EventData<Subjects.OrderCreated>,
  ticket: EventData<Subjects.TicketCreated>,
): EventData<Subjects.OrderCompleted> {
  return {
    id: order.id,
    version: order.version + 1,
    userId: order.userId,
    ticket: { id: ticket.id, title: ticket.title, price: order.ticket.price },
  };
}

export function orderCancelledData(
  order: EventData<Subjects.OrderCreated>,
  reason: OrderCancelReason = OrderCancelReason.Expired,
): EventData<Subjects.OrderCancelled> {
  return { id: order.id, version: order.version + 1, reason, ticket: { id: order.ticket.id } };
}

export function paymentRefundedData(
  order: EventData<Subjects.OrderCreated>,
  fields: Partial<EventData<Subjects.PaymentRefunded>> = {},
): EventData<Subjects.PaymentRefunded> {
  return {
    id: newId(),
    orderId: order.id,
    stripeId: `pi_${randomUUID().replace(/-/g, '')}`,
    amount: order.ticket.price,
    currency: 'usd',
    refundedAt: new Date().toISOString(),
    ...fields,
  };
}

/** A seller and a buyer (with their user.created handled) and the seller's ticket ordered by the buyer. */
export interface Sale {
  seller: EventData<Subjects.UserCreated>;
  buyer: EventData<Subjects.UserCreated>;
  ticket: EventData<Subjects.TicketCreated>;
  order: EventData<Subjects.OrderCreated>;
}

/** Publishes the events of a sale up to the order (not its outcome). */
export async function publishSale(
  bus: Bus,
  fields: { title?: string; price?: number; seller?: Partial<EventData<Subjects.UserCreated>> } = {},
): Promise<Sale> {
  const seller = userCreatedData({ email: newEmail('seller'), ...fields.seller });
  const buyer = userCreatedData({ email: newEmail('buyer') });
  const ticket = ticketCreatedData({ userId: seller.id, title: fields.title ?? 'Concert', price: fields.price ?? 20 });
  const order = orderCreatedData(ticket, { userId: buyer.id });
  await publish(bus, Subjects.UserCreated, seller);
  await publish(bus, Subjects.UserCreated, buyer);
  await publish(bus, Subjects.TicketCreated, ticket);
  await publish(bus, Subjects.OrderCreated, order);
  return { seller, buyer, ticket, order };
}

/** The messages the sink received for `to`, waiting until there are at least `count`. */
export async function waitForMessages(
  ctx: Pick<NotificationsTestContext, 'sink'>,
  to: string,
  count = 1,
): Promise<StoredMessage[]> {
  return waitFor(
    async () => {
      const messages = await ctx.sink.messages({ to });
      return messages.length >= count ? messages : undefined;
    },
    { description: `${count} message(s) to ${to}` },
  );
}

/** The first message to `to` whose subject matches, waiting for it. */
export async function waitForMessage(
  ctx: Pick<NotificationsTestContext, 'sink'>,
  to: string,
  subject: RegExp,
): Promise<StoredMessage> {
  return waitFor(async () => (await ctx.sink.messages({ to })).find((message) => subject.test(message.subject)), {
    description: `a message to ${to} with a subject matching ${subject}`,
  });
}

/** The messages `to` got with a subject matching `subject`, oldest first. */
export async function messagesTo(sink: MailSink, to: string, subject?: RegExp): Promise<StoredMessage[]> {
  const messages = await sink.messages({ to });
  return messages.filter((message) => !subject || subject.test(message.subject)).reverse();
}
