import { OrderStatus, PaymentStatus, Subjects } from '@ticketing/common';
import { signin, waitFor, waitForEvent } from '@ticketing/common/testing';
import mongoose from 'mongoose';
import type Stripe from 'stripe';
import request from 'supertest';
import { Order } from '../../src/models/order';
import { Payment } from '../../src/models/payment';
import {
  createOrderCopy,
  paymentCreatedRecords,
  paymentRefundedRecords,
  stripeAnsweringStatus,
  stripeConfirmingWith,
  usePaymentsTestContext,
} from '../setup';

const ctx = usePaymentsTestContext();

function pay(userId: string, body: object, idempotencyKey?: string) {
  const req = request(ctx.app)
    .post('/api/payments')
    .set('Cookie', signin({ id: userId }));
  if (idempotencyKey) req.set('Idempotency-Key', idempotencyKey);
  return req.send(body);
}

const intentsFor = (orderId: string) => ctx.fake.paymentIntents.filter((intent) => intent.metadata.orderId === orderId);
const chargesFor = (orderId: string) => {
  const intentIds = new Set(intentsFor(orderId).map((intent) => intent.id));
  return ctx.fake.charges.filter((charge) => intentIds.has(charge.payment_intent));
};

/** Once webhooks have settled: the order's payments and payment.created events. */
async function settled(orderId: string) {
  await ctx.fake.flushWebhooks();
  return { payments: await Payment.find({ orderId }).lean(), events: await paymentCreatedRecords(orderId) };
}

describe('access and input', () => {
  it('requires a session', async () => {
    const order = await createOrderCopy();
    await request(ctx.app).post('/api/payments').send({ orderId: order.id, paymentMethod: 'pm_card_visa' }).expect(401);
  });

  const anId = new mongoose.Types.ObjectId().toHexString();
  it.each([
    [
      {},
      [
        { message: 'Order id is required', field: 'orderId' },
        { message: 'Payment method is required', field: 'paymentMethod' },
      ],
    ],
    [
      { orderId: { $ne: null }, paymentMethod: 'pm_card_visa' },
      [{ message: 'Order id must be a string', field: 'orderId' }],
    ],
    [
      { orderId: 'not-an-id', paymentMethod: 'pm_card_visa' },
      [{ message: 'Order id must be a 24-character hexadecimal id', field: 'orderId' }],
    ],
    [
      { orderId: anId, paymentMethod: { $gt: '' } },
      [{ message: 'Payment method must be a string', field: 'paymentMethod' }],
    ],
    [
      { orderId: anId, paymentMethod: 'pm card; drop' },
      [{ message: 'Payment method must be a payment method id such as pm_card_visa', field: 'paymentMethod' }],
    ],
    [
      { orderId: anId, paymentMethod: ['pm_card_visa'] },
      [{ message: 'Payment method must be a string', field: 'paymentMethod' }],
    ],
    [
      { orderId: anId, paymentMethod: 'pm_card_visa', amount: 1 },
      [{ message: 'Unknown field amount: remove it from the request', field: 'amount' }],
    ],
  ])('answers 400 for the invalid body %j', async (body, errors) => {
    const response = await pay(new mongoose.Types.ObjectId().toHexString(), body).expect(400);
    expect(response.body).toEqual({ errors });
  });

  it('answers 415 for a body that is not JSON', async () => {
    const order = await createOrderCopy();
    await request(ctx.app)
      .post('/api/payments')
      .set('Cookie', signin({ id: order.userId }))
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(`orderId=${order.id}&paymentMethod=pm_card_visa`)
      .expect(415);
    expect(intentsFor(order.id)).toEqual([]);
  });

  it('answers 413 for a body too large', async () => {
    const order = await createOrderCopy();
    await pay(order.userId, { orderId: order.id, paymentMethod: 'pm_card_visa', padding: 'x'.repeat(200_000) }).expect(
      413,
    );
  });

  it('answers 400 for a malformed Idempotency-Key', async () => {
    const order = await createOrderCopy();
    const response = await pay(
      order.userId,
      { orderId: order.id, paymentMethod: 'pm_card_visa' },
      'x'.repeat(256),
    ).expect(400);
    expect(response.body.errors[0].field).toBe('idempotency-key');
    expect(intentsFor(order.id)).toEqual([]);
  });

  it('answers 404 for an unknown order', async () => {
    const response = await pay(new mongoose.Types.ObjectId().toHexString(), {
      orderId: new mongoose.Types.ObjectId().toHexString(),
      paymentMethod: 'pm_card_visa',
    }).expect(404);
    expect(response.body).toEqual({ errors: [{ message: 'Order not found' }] });
  });

  it("refuses another user's order without touching Stripe", async () => {
    const order = await createOrderCopy();
    const response = await pay(new mongoose.Types.ObjectId().toHexString(), {
      orderId: order.id,
      paymentMethod: 'pm_card_visa',
    }).expect(403);
    expect(response.body).toEqual({ errors: [{ message: 'This order belongs to another user' }] });
    expect(intentsFor(order.id)).toEqual([]);
  });

  it('refuses a cancelled order without touching Stripe', async () => {
    const order = await createOrderCopy({ status: OrderStatus.Cancelled });
    const response = await pay(order.userId, { orderId: order.id, paymentMethod: 'pm_card_visa' }).expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'This order was cancelled: order the ticket again' }] });
    expect(intentsFor(order.id)).toEqual([]);
  });

  it('refuses an order past its expiry without touching Stripe, even before it is cancelled', async () => {
    const order = await createOrderCopy({ expiresAt: new Date(Date.now() - 1000) });
    const response = await pay(order.userId, { orderId: order.id, paymentMethod: 'pm_card_visa' }).expect(400);
    expect(response.body).toEqual({ errors: [{ message: 'This order has expired: order the ticket again' }] });
    expect(intentsFor(order.id)).toEqual([]);
    expect((await Order.findById(order.id))!.status).toBe(OrderStatus.Created);
  });

  it('answers 400 on paymentMethod for a payment method Stripe does not know, and charges nothing', async () => {
    const order = await createOrderCopy();
    const response = await pay(order.userId, { orderId: order.id, paymentMethod: 'pm_unknown' }).expect(400);
    expect(response.body.errors).toEqual([
      { message: 'Payment method not found: use a payment method id such as pm_card_visa', field: 'paymentMethod' },
    ]);
    expect(chargesFor(order.id)).toEqual([]);
  });
});

describe('paying', () => {
  it('charges the exact price in cents, records the payment and publishes payment.created', async () => {
    const order = await createOrderCopy({ price: 19.99 });
    const response = await pay(order.userId, { orderId: order.id, paymentMethod: 'pm_card_visa' }).expect(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      orderId: order.id,
      amount: 19.99,
      currency: 'usd',
      status: 'succeeded',
      card: { brand: 'visa', last4: '4242' },
      createdAt: expect.any(String),
    });

    const [intent] = intentsFor(order.id);
    expect(intent).toMatchObject({
      amount: 1999,
      currency: 'usd',
      status: 'succeeded',
      metadata: { userId: order.userId },
    });
    const payment = await Payment.findById(response.body.id).lean();
    expect(payment).toMatchObject({
      orderId: order.id,
      userId: order.userId,
      stripeId: intent.id,
      amount: 1999,
      currency: 'usd',
      refundDue: false,
    });
    expect((await Order.findById(order.id))!.isPaid()).toBe(true);

    const { data } = await waitForEvent(ctx.env.bus, Subjects.PaymentCreated, {
      match: (event) => event.orderId === order.id,
    });
    expect(data).toEqual({
      id: response.body.id,
      orderId: order.id,
      stripeId: intent.id,
      amount: 19.99,
      currency: 'usd',
      card: { brand: 'visa', last4: '4242' },
      createdAt: response.body.createdAt,
    });

    // The webhook for the same PaymentIntent arrives too: still one payment, one event.
    const { payments, events } = await settled(order.id);
    expect(payments).toHaveLength(1);
    expect(events).toHaveLength(1);
  });

  it.each([
    [0.5, 50],
    [10.1, 1010],
    [1234.56, 123456],
  ])('charges %d as %d cents', async (price, cents) => {
    const order = await createOrderCopy({ price });
    await pay(order.userId, { orderId: order.id, paymentMethod: 'pm_card_visa' }).expect(201);
    expect(intentsFor(order.id).map((intent) => intent.amount)).toEqual([cents]);
  });

  it('charges in the configured currency', async () => {
    const order = await createOrderCopy({ price: 7.25 });
    await request(ctx.appWith({ currency: 'eur' }))
      .post('/api/payments')
      .set('Cookie', signin({ id: order.userId }))
      .send({ orderId: order.id, paymentMethod: 'pm_card_visa' })
      .expect(201);
    expect(intentsFor(order.id)).toEqual([expect.objectContaining({ amount: 725, currency: 'eur' })]);
  });

  it('refuses an order that is already paid', async () => {
    const order = await createOrderCopy();
    await pay(order.userId, { orderId: order.id, paymentMethod: 'pm_card_visa' }).expect(201);
    const response = await pay(order.userId, { orderId: order.id, paymentMethod: 'pm_card_mastercard' }).expect(400);
    expect(response.body.errors[0].message).toMatch(/already been paid/);
    expect(chargesFor(order.id).filter((charge) => charge.status === 'succeeded')).toHaveLength(1);
  });

  it("answers 402 with Stripe's message on a decline, and the order stays payable with another card", async () => {
    const order = await createOrderCopy({ price: 42 });
    const declined = await pay(order.userId, { orderId: order.id, paymentMethod: 'pm_card_chargeDeclined' }).expect(
      402,
    );
    expect(declined.body).toEqual({
      errors: [{ message: 'Your card was declined: pay with another card', field: 'paymentMethod' }],
    });
    expect(await Payment.countDocuments({ orderId: order.id })).toBe(0);
    expect((await Order.findById(order.id))!.isPaid()).toBe(false);

    await pay(order.userId, { orderId: order.id, paymentMethod: 'pm_card_visa' }).expect(201);
    expect(chargesFor(order.id).map((charge) => charge.status)).toEqual(['failed', 'succeeded']);
    const { payments, events } = await settled(order.id);
    expect(payments).toHaveLength(1);
    expect(events).toHaveLength(1);
  });

  it('tries the card again on a new attempt after a decline instead of replaying the decline', async () => {
    const order = await createOrderCopy();
    await pay(order.userId, { orderId: order.id, paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' }).expect(
      402,
    );
    const second = await pay(order.userId, {
      orderId: order.id,
      paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds',
    }).expect(402);
    expect(second.body.errors[0].message).toBe('Your card has insufficient funds: pay with another card');
    expect(chargesFor(order.id)).toHaveLength(2);
  });
});

describe('idempotency and concurrency', () => {
  it('answers a retry with the same Idempotency-Key with the same payment, charging once', async () => {
    const order = await createOrderCopy();
    const body = { orderId: order.id, paymentMethod: 'pm_card_visa' };
    const first = await pay(order.userId, body, 'checkout-1').expect(201);
    const retry = await pay(order.userId, body, 'checkout-1').expect(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(chargesFor(order.id)).toHaveLength(1);
    const { payments, events } = await settled(order.id);
    expect(payments).toHaveLength(1);
    expect(events).toHaveLength(1);
  });

  it('refuses a new Idempotency-Key on a paid order', async () => {
    const order = await createOrderCopy();
    await pay(order.userId, { orderId: order.id, paymentMethod: 'pm_card_visa' }, 'checkout-1').expect(201);
    const response = await pay(order.userId, { orderId: order.id, paymentMethod: 'pm_card_visa' }, 'checkout-2').expect(
      400,
    );
    expect(response.body.errors[0].message).toMatch(/already been paid/);
    expect(chargesFor(order.id)).toHaveLength(1);
  });

  it('replays a decline for a repeated Idempotency-Key, and refuses the key for another card', async () => {
    const order = await createOrderCopy();
    const declinedBody = { orderId: order.id, paymentMethod: 'pm_card_chargeDeclined' };
    await pay(order.userId, declinedBody, 'checkout-1').expect(402);
    await pay(order.userId, declinedBody, 'checkout-1').expect(402);
    expect(chargesFor(order.id)).toHaveLength(1);

    const reused = await pay(order.userId, { orderId: order.id, paymentMethod: 'pm_card_visa' }, 'checkout-1').expect(
      400,
    );
    expect(reused.body.errors[0].message).toMatch(/Idempotency-Key/);
    await pay(order.userId, { orderId: order.id, paymentMethod: 'pm_card_visa' }, 'checkout-2').expect(201);
    expect(chargesFor(order.id).map((charge) => charge.status)).toEqual(['failed', 'succeeded']);
  });

  it('keeps Idempotency-Keys of different users apart', async () => {
    const first = await createOrderCopy();
    const second = await createOrderCopy();
    const a = await pay(first.userId, { orderId: first.id, paymentMethod: 'pm_card_visa' }, 'same-key').expect(201);
    const b = await pay(second.userId, { orderId: second.id, paymentMethod: 'pm_card_visa' }, 'same-key').expect(201);
    expect(a.body.id).not.toBe(b.body.id);
  });

  it('charges once when the same order is paid by simultaneous requests', async () => {
    const order = await createOrderCopy();
    const responses = await Promise.all(
      ['pm_card_visa', 'pm_card_mastercard', 'pm_card_visa', 'pm_card_mastercard'].map((paymentMethod) =>
        pay(order.userId, { orderId: order.id, paymentMethod }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.every((status) => status === 201 || status === 400)).toBe(true);
    expect(statuses).toContain(201);
    expect(intentsFor(order.id)).toHaveLength(1);
    expect(chargesFor(order.id).filter((charge) => charge.status === 'succeeded')).toHaveLength(1);
    const ids = new Set(responses.filter((response) => response.status === 201).map((response) => response.body.id));
    expect(ids.size).toBe(1);
    const { payments, events } = await settled(order.id);
    expect(payments).toHaveLength(1);
    expect(events).toHaveLength(1);
  });
});

describe('payments that need the customer to authenticate', () => {
  it('answers 202 with what the client needs, then completes through the webhook', async () => {
    const order = await createOrderCopy({ price: 15.5 });
    const response = await pay(order.userId, {
      orderId: order.id,
      paymentMethod: 'pm_card_authenticationRequired',
    }).expect(202);
    const [intent] = intentsFor(order.id);
    expect(response.body).toEqual({
      status: 'requires_action',
      paymentIntentId: intent.id,
      clientSecret: intent.client_secret,
      nextAction: {
        type: 'use_stripe_sdk',
        use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: expect.stringMatching(/^http/) },
      },
    });
    expect(await Payment.countDocuments({ orderId: order.id })).toBe(0);

    // What the documentation tells a developer to do: open the URL.
    expect((await fetch(response.body.nextAction.use_stripe_sdk.stripe_js)).status).toBe(200);
    const { data } = await waitForEvent(ctx.env.bus, Subjects.PaymentCreated, {
      match: (event) => event.orderId === order.id,
    });
    // The webhook's intent names its charge only; the card was retrieved from Stripe.
    expect(data).toMatchObject({ stripeId: intent.id, amount: 15.5, card: { brand: 'visa', last4: '3184' } });
    await waitFor(async () => (await Order.findById(order.id))?.isPaid(), { description: 'order copy to be paid' });
    await pay(order.userId, { orderId: order.id, paymentMethod: 'pm_card_visa' }).expect(400);
    const { payments, events } = await settled(order.id);
    expect(payments).toEqual([expect.objectContaining({ stripeId: intent.id, amount: 1550 })]);
    expect(events).toHaveLength(1);
  });

  it('answers a retried request (same Idempotency-Key) with the payment once authentication is done', async () => {
    const order = await createOrderCopy();
    const body = { orderId: order.id, paymentMethod: 'pm_card_authenticationRequired' };
    await pay(order.userId, body, 'checkout-3ds').expect(202);
    ctx.fake.completeAction(intentsFor(order.id)[0].id);
    await waitFor(() => Payment.findOne({ orderId: order.id }), { description: 'payment recorded by the webhook' });
    const retry = await pay(order.userId, body, 'checkout-3ds').expect(201);
    expect(retry.body.id).toBe((await Payment.findOne({ orderId: order.id }))!.id);
  });
});

describe('every answer Stripe can give', () => {
  const paying = (stripe: Stripe, order: { id: string; userId: string }, paymentMethod = 'pm_card_visa') =>
    request(ctx.appWith({ stripe }))
      .post('/api/payments')
      .set('Cookie', signin({ id: order.userId }))
      .send({ orderId: order.id, paymentMethod });

  it.each([
    ['requires_payment_method', 402, 'The payment did not go through: pay with another card'],
    ['canceled', 400, "This order's payment was canceled at the payment provider: order the ticket again"],
    [
      'requires_capture',
      502,
      'The payment provider answered with status requires_capture, which this service does not handle: try again later',
    ],
  ])('answers a PaymentIntent left %s with %i, recording nothing', async (status, code, message) => {
    const order = await createOrderCopy();
    const stripe = stripeAnsweringStatus(ctx, status);
    const response = await paying(stripe, order).expect(code);
    expect(response.body.errors[0].message).toBe(message);
    expect(await Payment.countDocuments({ orderId: order.id })).toBe(0);
  });

  it('answers 202 while Stripe is still processing the payment, recording nothing until its webhook', async () => {
    const order = await createOrderCopy();
    const stripe = stripeAnsweringStatus(ctx, 'processing');
    const response = await paying(stripe, order).expect(202);
    expect(response.body).toEqual({ status: 'processing', paymentIntentId: intentsFor(order.id)[0].id });
    expect(await Payment.countDocuments({ orderId: order.id })).toBe(0);
    expect(await paymentCreatedRecords(order.id)).toHaveLength(0);
  });

  it('answers 402 again for a new attempt after requires_payment_method: each attempt asks Stripe anew', async () => {
    const order = await createOrderCopy();
    let confirmations = 0;
    const stripe = stripeConfirmingWith(ctx, async (confirm, id, params, options) => {
      confirmations += 1;
      const intent = await confirm(id, { ...params, payment_method: 'pm_card_authenticationRequired' }, options);
      return { ...intent, status: 'requires_payment_method' };
    });
    await paying(stripe, order).expect(402);
    await paying(stripe, order).expect(402);
    expect(confirmations).toBe(2);
    expect((await Order.findById(order.id))!.paymentAttempt).toBe(2);
  });

  it('answers 502 while Stripe is unreachable, and a retry with the same Idempotency-Key pays once', async () => {
    const order = await createOrderCopy();
    const body = { orderId: order.id, paymentMethod: 'pm_card_visa' };
    await ctx.fake.goOffline();
    try {
      const response = await pay(order.userId, body, 'checkout-outage').expect(502);
      expect(response.body).toEqual({
        errors: [{ message: 'The payment provider cannot be reached: try again in a moment' }],
      });
    } finally {
      await ctx.fake.goOnline();
    }
    await pay(order.userId, body, 'checkout-outage').expect(201);
    await pay(order.userId, body, 'checkout-outage').expect(201);
    expect(chargesFor(order.id)).toHaveLength(1);
  });

  it('refunds a payment whose order was cancelled while the card was being charged, and answers 400', async () => {
    const order = await createOrderCopy({ price: 30 });
    // order.cancelled lands between the checks and the charge.
    const stripe = stripeConfirmingWith(ctx, async (confirm, ...args) => {
      await Order.updateOne({ _id: order.id }, { $set: { status: OrderStatus.Cancelled, version: 1 } });
      return confirm(...args);
    });
    const response = await paying(stripe, order).expect(400);
    expect(response.body).toEqual({
      errors: [{ message: 'This order was cancelled while it was being paid: the payment will be refunded' }],
    });

    const payment = (await Payment.findOne({ orderId: order.id }))!;
    expect(payment).toMatchObject({ status: PaymentStatus.Refunded, refundDue: false });
    expect(ctx.fake.refunds).toEqual([
      expect.objectContaining({ payment_intent: payment.stripeId, amount: 3000, id: payment.refundId }),
    ]);
    const [created] = await paymentCreatedRecords(order.id);
    const [refunded] = await paymentRefundedRecords(order.id);
    expect(created.data).toMatchObject({ id: payment.id, amount: 30 });
    expect(refunded.data).toEqual({
      id: payment.id,
      orderId: order.id,
      stripeId: payment.stripeId,
      amount: 30,
      currency: 'usd',
      refundedAt: payment.refundedAt!.toISOString(),
    });
    await ctx.fake.flushWebhooks();
    expect(await paymentRefundedRecords(order.id)).toHaveLength(1);
  });
});
