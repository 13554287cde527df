import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, Outbox, outboxModel, OrderStatus, Subjects } from '@ticketing/common';
import { startServiceTestEnvironment, TEST_JWT_KEY, type ServiceTestEnvironment } from '@ticketing/common/testing';
import { startFakeStripe, type FakeStripe } from '@ticketing/fake-stripe';
import type { Express } from 'express';
import mongoose from 'mongoose';
import type Stripe from 'stripe';
import { createApp } from '../src/app';
import { Order } from '../src/models/order';
import { Payment } from '../src/models/payment';
import { createStripeClient } from '../src/stripe';

export interface PaymentsTestContext {
  env: ServiceTestEnvironment;
  fake: FakeStripe;
  app: Express;
  outbox: Outbox;
  /** The SDK client the app uses, pointed at the fake. */
  stripe: Stripe;
  /** The app's webhook endpoint (the fake posts its events there). */
  webhookUrl: string;
  /** A payments app with another currency, sharing everything else. */
  appWithCurrency(currency: string): Express;
  /** Waits for webhook deliveries in flight, then empties the database. */
  reset(): Promise<void>;
  stop(): Promise<void>;
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
  const stripe = createStripeClient({
    STRIPE_SECRET_KEY: fake.secretKey,
    STRIPE_API_HOST: fake.host,
    STRIPE_API_PORT: fake.port,
    STRIPE_API_PROTOCOL: fake.protocol,
  });
  const appWithCurrency = (currency: string) =>
    createApp({ logger, jwtKey: TEST_JWT_KEY, outbox, stripe, webhookSecret: fake.webhookSecret, currency });
  const app = appWithCurrency('usd');
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
    webhookUrl,
    appWithCurrency,
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

/** An order copy as order.created leaves it. */
export async function createOrderCopy(
  fields: { userId?: string; price?: number; status?: OrderStatus; version?: number } = {},
): Promise<{ id: string; userId: string }> {
  const userId = fields.userId ?? new mongoose.Types.ObjectId().toHexString();
  const order = await Order.create({
    _id: new mongoose.Types.ObjectId(),
    version: fields.version ?? 0,
    userId,
    price: fields.price ?? 20,
    status: fields.status ?? OrderStatus.Created,
  });
  return { id: order.id as string, userId };
}

/** payment.created events committed to the outbox for `orderId`. */
export function paymentCreatedRecords(orderId: string) {
  return outboxModel(mongoose.connection).find({ subject: Subjects.PaymentCreated, 'data.orderId': orderId }).lean();
}
