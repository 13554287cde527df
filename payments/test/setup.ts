import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, Outbox, outboxModel, OrderStatus, ServiceMetrics, Subjects } from '@ticketing/common';
import { startServiceTestEnvironment, TEST_JWT_KEYS, type ServiceTestEnvironment } from '@ticketing/common/testing';
import { startFakeStripe, type FakeStripe } from '@ticketing/fake-stripe';
import type { Express } from 'express';
import mongoose from 'mongoose';
import type Stripe from 'stripe';
import { createApp, type PaymentsAppOptions } from '../src/app';
import { PaymentMetrics } from '../src/metrics';
import { Order } from '../src/models/order';
import { Payment } from '../src/models/payment';
import { createStripeClient, type PaymentDependencies } from '../src/stripe';

export interface PaymentsTestContext {
  env: ServiceTestEnvironment;
  fake: FakeStripe;
  app: Express;
  outbox: Outbox;
  /** The SDK client the app uses, pointed at the fake. */
  stripe: Stripe;
  /** What the app, the listeners and the refund sweep work with. */
  payments: PaymentDependencies;
  /** The payments metrics every app of the context counts on and serves at /metrics, as main.ts shares one. */
  metrics: PaymentMetrics;
  /** The app's webhook endpoint (the fake posts its events there). */
  webhookUrl: string;
  /** A payments app with another currency or Stripe client, sharing everything else. */
  appWith(options: Partial<Pick<PaymentsAppOptions, 'currency' | 'stripe'>>): Express;
  /** Waits for webhook deliveries in flight, then empties the database. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The test context of a file: started before its tests, emptied before each, stopped after all.
 * Its fields are set once the file's first beforeAll ran.
 */
export function usePaymentsTestContext(): PaymentsTestContext {
  const ctx = {} as PaymentsTestContext;
  beforeAll(async () => {
    Object.assign(ctx, await startPaymentsTestContext());
  });
  afterAll(async () => {
    await ctx.stop();
  });
  beforeEach(async () => {
    await ctx.reset();
  });
  return ctx;
}

/** The payments service's SDK client, configured for `fake` as the local stack configures it. */
export function stripeClientFor(fake: FakeStripe): Stripe {
  return createStripeClient({
    STRIPE_SECRET_KEY: fake.secretKey,
    STRIPE_API_HOST: fake.host,
    STRIPE_API_PORT: fake.port,
    STRIPE_API_PROTOCOL: fake.protocol,
  });
}

/**
 * Real NATS and MongoDB (engine), the fake Stripe API in process, and the payments app reached
 * through the real Stripe SDK; the app also listens on a port so the fake's webhooks reach it.
 */
export async function startPaymentsTestContext(): Promise<PaymentsTestContext> {
  const env = await startServiceTestEnvironment();
  const fake = await startFakeStripe({ port: 0, secretKey: 'sk_test_payments', webhookRetryDelayMs: 50 });
  await Promise.all([Order.init(), Payment.init()]);
  const logger = createLogger('payments-test');
  const outbox = new Outbox({ connection: mongoose.connection, bus: env.bus, logger });
  const stripe = stripeClientFor(fake);
  const metrics = new PaymentMetrics(new ServiceMetrics({ service: 'payments', defaultMetrics: false }));
  const payments: PaymentDependencies = { stripe, outbox, logger, metrics };
  const appWith = (options: Partial<Pick<PaymentsAppOptions, 'currency' | 'stripe'>>) =>
    createApp({
      logger,
      jwtPublicKeys: TEST_JWT_KEYS.publicKeys,
      outbox,
      stripe,
      webhookSecret: fake.webhookSecret,
      currency: 'usd',
      metrics,
      ...options,
    });
  const app = appWith({});
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/payments/webhook`;
  fake.setWebhookUrl(webhookUrl);

  return {
    env,
    fake,
    app,
    outbox,
    stripe,
    payments,
    metrics,
    webhookUrl,
    appWith,
    async reset() {
      await fake.flushWebhooks();
      await env.clearDatabase();
    },
    async stop() {
      await fake.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await env.stop();
    },
  };
}

/**
 * Another SDK client for the fake whose `paymentIntents.confirm` is `confirm`, given the real one:
 * for what the fake cannot be made to do (an unusual status, something happening meanwhile).
 */
export function stripeConfirmingWith(
  ctx: PaymentsTestContext,
  confirm: (
    real: Stripe['paymentIntents']['confirm'],
    ...args: Parameters<Stripe['paymentIntents']['confirm']>
  ) => unknown,
): Stripe {
  const stripe = stripeClientFor(ctx.fake);
  const real = stripe.paymentIntents.confirm.bind(stripe.paymentIntents);
  stripe.paymentIntents.confirm = ((...args: Parameters<typeof real>) => confirm(real, ...args)) as typeof real;
  return stripe;
}

/**
 * Another SDK client for the fake whose confirmations answer with `status`, which no test card
 * leaves a PaymentIntent in: each is made with the 3-D Secure card (the intent stays open, nothing
 * is charged) and its answer given `status` instead.
 */
export function stripeAnsweringStatus(ctx: PaymentsTestContext, status: string): Stripe {
  return stripeConfirmingWith(ctx, async (confirm, id, params, options) => {
    const intent = await confirm(id, { ...params, payment_method: 'pm_card_authenticationRequired' }, options);
    return { ...intent, status, next_action: null };
  });
}

/** An order copy as order.created leaves it (expiring in 15 minutes unless told otherwise). */
export async function createOrderCopy(
  fields: { userId?: string; price?: number; status?: OrderStatus; version?: number; expiresAt?: Date } = {},
): Promise<{ id: string; userId: string }> {
  const userId = fields.userId ?? new mongoose.Types.ObjectId().toHexString();
  const order = await Order.create({
    _id: new mongoose.Types.ObjectId(),
    version: fields.version ?? 0,
    userId,
    price: fields.price ?? 20,
    status: fields.status ?? OrderStatus.Created,
    expiresAt: fields.expiresAt ?? new Date(Date.now() + 15 * 60_000),
  });
  return { id: order.id as string, userId };
}

/** Events on `subject` committed to the outbox for `orderId`, oldest first. */
export function outboxRecords(subject: Subjects.PaymentCreated | Subjects.PaymentRefunded, orderId: string) {
  return outboxModel(mongoose.connection).find({ subject, 'data.orderId': orderId }).sort({ _id: 1 }).lean();
}

export const paymentCreatedRecords = (orderId: string) => outboxRecords(Subjects.PaymentCreated, orderId);
export const paymentRefundedRecords = (orderId: string) => outboxRecords(Subjects.PaymentRefunded, orderId);
