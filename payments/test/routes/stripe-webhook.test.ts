import { PaymentStatus, Subjects } from '@ticketing/common';
import { waitForEvent } from '@ticketing/common/testing';
import { signWebhookPayload, type StripeEvent } from '@ticketing/fake-stripe';
import mongoose from 'mongoose';
import request from 'supertest';
import { Order } from '../../src/models/order';
import { Payment } from '../../src/models/payment';
import { createOrderCopy, paymentCreatedRecords, paymentRefundedRecords, usePaymentsTestContext } from '../setup';

const ctx = usePaymentsTestContext();

beforeAll(() => {
  // Events are delivered by each test, not by the fake on its own.
  ctx.fake.setWebhookUrl(undefined);
});

/** Pays `orderId` directly at the fake (as a client finishing 3-D Secure would) and returns its succeeded event. */
async function succeededEventFor(orderId: string, amount = 2500): Promise<StripeEvent> {
  const intent = await ctx.stripe.paymentIntents.create({
    amount,
    currency: 'usd',
    metadata: { orderId },
    payment_method: 'pm_card_visa',
    confirm: true,
    automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
  });
  return ctx.fake.events.find(
    (event) => event.type === 'payment_intent.succeeded' && (event.data.object as { id: string }).id === intent.id,
  )!;
}

function deliver(payload: string, signature?: string) {
  const req = request(ctx.app).post('/api/payments/webhook').set('Content-Type', 'application/json');
  if (signature !== undefined) req.set('Stripe-Signature', signature);
  return req.send(payload);
}

function deliverSigned(event: object, secret = ctx.fake.webhookSecret) {
  const payload = JSON.stringify(event);
  return deliver(payload, signWebhookPayload(payload, secret));
}

it('records a payment for payment_intent.succeeded and publishes payment.created', async () => {
  const order = await createOrderCopy({ price: 25 });
  const event = await succeededEventFor(order.id);
  const stripeId = (event.data.object as { id: string }).id;

  await deliverSigned(event).expect(200, { received: true });

  const payment = await Payment.findOne({ stripeId }).lean();
  expect(payment).toMatchObject({
    orderId: order.id,
    userId: order.userId,
    amount: 2500,
    currency: 'usd',
    status: PaymentStatus.Succeeded,
    card: { brand: 'visa', last4: '4242' },
  });
  expect((await Order.findById(order.id))!.isPaid()).toBe(true);
  const { data } = await waitForEvent(ctx.env.bus, Subjects.PaymentCreated, { match: (e) => e.orderId === order.id });
  expect(data).toEqual({
    id: String(payment!._id),
    orderId: order.id,
    stripeId,
    amount: 25,
    currency: 'usd',
    card: { brand: 'visa', last4: '4242' },
    createdAt: payment!.createdAt.toISOString(),
  });
});

it('records the payment without its card when Stripe cannot tell it now', async () => {
  const order = await createOrderCopy({ price: 25 });
  const event = await succeededEventFor(order.id);
  await ctx.fake.goOffline();
  try {
    await deliverSigned(event).expect(200, { received: true });
  } finally {
    await ctx.fake.goOnline();
  }
  const [record] = await paymentCreatedRecords(order.id);
  expect(record.data).toMatchObject({ orderId: order.id, amount: 25 });
  expect(record.data).not.toHaveProperty('card');
});

it('ignores a duplicate delivery: no second payment, no second event', async () => {
  const order = await createOrderCopy();
  const event = await succeededEventFor(order.id);
  await deliverSigned(event).expect(200);
  await deliverSigned(event).expect(200);
  await Promise.all([deliverSigned(event).expect(200), deliverSigned(event).expect(200)]);
  expect(await Payment.countDocuments({ orderId: order.id })).toBe(1);
  expect(await paymentCreatedRecords(order.id)).toHaveLength(1);
});

it('accepts events the fake signs and sends itself, including a redelivery', async () => {
  const order = await createOrderCopy();
  const event = await succeededEventFor(order.id);
  ctx.fake.setWebhookUrl(ctx.webhookUrl);
  try {
    expect(await ctx.fake.resendEvent(event.id)).toBe(200);
    expect(await ctx.fake.resendEvent(event.id)).toBe(200);
  } finally {
    ctx.fake.setWebhookUrl(undefined);
  }
  expect(await Payment.countDocuments({ orderId: order.id })).toBe(1);
  expect(await paymentCreatedRecords(order.id)).toHaveLength(1);
});

describe('signature', () => {
  it.each([
    ['no signature', undefined, 'Stripe-Signature is required: only events signed by Stripe are accepted'],
    ['an empty signature', '', 'Stripe-Signature is required: only events signed by Stripe are accepted'],
    [
      'a garbage signature',
      'nonsense',
      'Stripe-Signature does not match the event: only events signed by Stripe are accepted',
    ],
  ])('answers 400 for %s', async (_case, signature, message) => {
    const order = await createOrderCopy();
    const event = await succeededEventFor(order.id);
    const response = await deliver(JSON.stringify(event), signature).expect(400);
    expect(response.body).toEqual({ errors: [{ message, field: 'stripe-signature' }] });
    expect(await Payment.countDocuments()).toBe(0);
  });

  it('answers 415 for a body that is not JSON, and 413 for one over 1 MB', async () => {
    const order = await createOrderCopy();
    const payload = JSON.stringify(await succeededEventFor(order.id));
    await request(ctx.app)
      .post('/api/payments/webhook')
      .set('Content-Type', 'text/plain')
      .set('Stripe-Signature', signWebhookPayload(payload, ctx.fake.webhookSecret))
      .send(payload)
      .expect(415);
    const huge = JSON.stringify({ ...JSON.parse(payload), padding: 'x'.repeat(1024 * 1024) });
    await deliver(huge, signWebhookPayload(huge, ctx.fake.webhookSecret)).expect(413);
    expect(await Payment.countDocuments()).toBe(0);
  });

  it('answers 400 for a signature made with another secret', async () => {
    const order = await createOrderCopy();
    const event = await succeededEventFor(order.id);
    const response = await deliverSigned(event, 'whsec_someone_else').expect(400);
    expect(response.body).toEqual({
      errors: [
        {
          message: 'Stripe-Signature does not match the event: only events signed by Stripe are accepted',
          field: 'stripe-signature',
        },
      ],
    });
    expect(await Payment.countDocuments()).toBe(0);
  });

  it('answers 400 when the body was changed after signing', async () => {
    const order = await createOrderCopy();
    const event = await succeededEventFor(order.id);
    const payload = JSON.stringify(event);
    const tampered = payload.replace('"amount_received":2500', '"amount_received":1');
    expect(tampered).not.toBe(payload);
    await deliver(tampered, signWebhookPayload(payload, ctx.fake.webhookSecret)).expect(400);
    expect(await Payment.countDocuments()).toBe(0);
  });

  it('answers 400 for an old signature (replayed capture)', async () => {
    const order = await createOrderCopy();
    const payload = JSON.stringify(await succeededEventFor(order.id));
    const anHourAgo = Math.floor(Date.now() / 1000) - 3600;
    await deliver(payload, signWebhookPayload(payload, ctx.fake.webhookSecret, anHourAgo)).expect(400);
    expect(await Payment.countDocuments()).toBe(0);
  });

  it('checks the exact bytes: the same JSON re-serialized differently no longer matches', async () => {
    const order = await createOrderCopy();
    const event = await succeededEventFor(order.id);
    const signature = signWebhookPayload(JSON.stringify(event), ctx.fake.webhookSecret);
    await deliver(JSON.stringify(event, null, 2), signature).expect(400);
  });
});

it('acknowledges and ignores other event types', async () => {
  const order = await createOrderCopy();
  await ctx.stripe.paymentIntents
    .create({
      amount: 2000,
      currency: 'usd',
      metadata: { orderId: order.id },
      payment_method: 'pm_card_chargeDeclined',
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    })
    .catch(() => undefined);
  const others = ctx.fake.events.filter((event) => event.type !== 'payment_intent.succeeded');
  expect(others.map((event) => event.type)).toEqual(
    expect.arrayContaining(['payment_intent.created', 'payment_intent.payment_failed']),
  );
  for (const event of others) await deliverSigned(event).expect(200);
  expect(await Payment.countDocuments()).toBe(0);
  expect((await Order.findById(order.id))!.isPaid()).toBe(false);
});

it('acknowledges and ignores a payment for an order it does not know', async () => {
  const unknownOrder = new mongoose.Types.ObjectId().toHexString();
  await deliverSigned(await succeededEventFor(unknownOrder)).expect(200);
  await deliverSigned(await succeededEventFor('not-an-order-id')).expect(200);
  expect(await Payment.countDocuments()).toBe(0);
});

describe('charge.refunded', () => {
  /** Pays `orderId` at the fake and records the payment through its webhook. */
  async function paidThroughWebhook(orderId: string, amount = 2500) {
    const event = await succeededEventFor(orderId, amount);
    await deliverSigned(event).expect(200);
    return (await Payment.findOne({ stripeId: (event.data.object as { id: string }).id }))!;
  }

  const refundEventsOf = (stripeId: string) =>
    ctx.fake.events.filter(
      (event) =>
        event.type === 'charge.refunded' &&
        (event.data.object as { payment_intent: string }).payment_intent === stripeId,
    );

  it('marks the payment refunded for a refund made in the Stripe dashboard and publishes payment.refunded once', async () => {
    const order = await createOrderCopy({ price: 25 });
    const payment = await paidThroughWebhook(order.id);
    await ctx.stripe.refunds.create({ payment_intent: payment.stripeId });
    const [event] = refundEventsOf(payment.stripeId);

    await deliverSigned(event).expect(200, { received: true });
    await deliverSigned(event).expect(200);
    await Promise.all([deliverSigned(event).expect(200), deliverSigned(event).expect(200)]);

    const refunded = (await Payment.findById(payment.id))!;
    expect(refunded).toMatchObject({ status: PaymentStatus.Refunded, refundedAt: new Date(event.created * 1000) });
    expect(refunded.refundId).toBeUndefined();
    const records = await paymentRefundedRecords(order.id);
    expect(records.map((record) => record.data)).toEqual([
      {
        id: payment.id,
        orderId: order.id,
        stripeId: payment.stripeId,
        amount: 25,
        currency: 'usd',
        refundedAt: new Date(event.created * 1000).toISOString(),
      },
    ]);
    const { data } = await waitForEvent(ctx.env.bus, Subjects.PaymentRefunded, {
      match: (e) => e.orderId === order.id,
    });
    expect(data).toEqual(records[0].data);
  });

  it('leaves a partly refunded payment paid', async () => {
    const order = await createOrderCopy({ price: 25 });
    const payment = await paidThroughWebhook(order.id);
    await ctx.stripe.refunds.create({ payment_intent: payment.stripeId, amount: 500 });
    await deliverSigned(refundEventsOf(payment.stripeId)[0]).expect(200);
    expect((await Payment.findById(payment.id))!.status).toBe(PaymentStatus.Succeeded);
    expect(await paymentRefundedRecords(order.id)).toEqual([]);
  });

  it('acknowledges and ignores a refund of a payment it does not know', async () => {
    const order = await createOrderCopy();
    const intent = (await succeededEventFor(order.id)).data.object as { id: string };
    await ctx.stripe.refunds.create({ payment_intent: intent.id });
    await deliverSigned(refundEventsOf(intent.id)[0]).expect(200);
    expect(await Payment.countDocuments()).toBe(0);
    expect(await paymentRefundedRecords(order.id)).toEqual([]);
  });
});
