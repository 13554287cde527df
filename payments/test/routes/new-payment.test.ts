import { OrderStatus, Subjects } from '@ticketing/common';
import { signin, waitFor, waitForEvent } from '@ticketing/common/testing';
import mongoose from 'mongoose';
import request from 'supertest';
import { Order } from '../../src/models/order';
import { Payment } from '../../src/models/payment';
import { createOrderCopy, paymentCreatedRecords, startPaymentsTestContext, type PaymentsTestContext } from '../setup';

let ctx: PaymentsTestContext;

beforeAll(async () => {
  ctx = await startPaymentsTestContext();
});

afterAll(async () => {
  await ctx.stop();
});

beforeEach(async () => {
  await ctx.reset();
});

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

  it.each([
    [{}, ['orderId', 'paymentMethod']],
    [{ orderId: { $ne: null }, paymentMethod: 'pm_card_visa' }, ['orderId']],
    [{ orderId: 'not-an-id', paymentMethod: 'pm_card_visa' }, ['orderId']],
    [{ orderId: new mongoose.Types.ObjectId().toHexString(), paymentMethod: { $gt: '' } }, ['paymentMethod']],
    [{ orderId: new mongoose.Types.ObjectId().toHexString(), paymentMethod: 'pm card; drop' }, ['paymentMethod']],
    [{ orderId: new mongoose.Types.ObjectId().toHexString(), paymentMethod: ['pm_card_visa'] }, ['paymentMethod']],
  ])('answers 400 for the invalid body %j', async (body, fields) => {
    const response = await pay(new mongoose.Types.ObjectId().toHexString(), body).expect(400);
    expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual(fields);
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
    await pay(new mongoose.Types.ObjectId().toHexString(), { orderId: order.id, paymentMethod: 'pm_card_visa' }).expect(
      403,
    );
    expect(intentsFor(order.id)).toEqual([]);
  });

  it('refuses a cancelled order without touching Stripe', async () => {
    const order = await createOrderCopy({ status: OrderStatus.Cancelled });
    const response = await pay(order.userId, { orderId: order.id, paymentMethod: 'pm_card_visa' }).expect(400);
    expect(response.body.errors[0].message).toMatch(/cancelled/);
    expect(intentsFor(order.id)).toEqual([]);
  });

  it('answers 400 on paymentMethod for a payment method Stripe does not know, and charges nothing', async () => {
    const order = await createOrderCopy();
    const response = await pay(order.userId, { orderId: order.id, paymentMethod: 'pm_unknown' }).expect(400);
    expect(response.body.errors).toEqual([{ message: 'Unknown payment method', field: 'paymentMethod' }]);
    expect(chargesFor(order.id)).toEqual([]);
  });
});

describe('paying', () => {
  it('charges the exact price in cents, records the payment and publishes payment.created', async () => {
    const order = await createOrderCopy({ price: 19.99 });
    const response = await pay(order.userId, { orderId: order.id, paymentMethod: 'pm_card_visa' }).expect(201);
    expect(response.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/) });

    const [intent] = intentsFor(order.id);
    expect(intent).toMatchObject({
      amount: 1999,
      currency: 'usd',
      status: 'succeeded',
      metadata: { userId: order.userId },
    });
    const payment = await Payment.findById(response.body.id).lean();
    expect(payment).toMatchObject({ orderId: order.id, stripeId: intent.id, amount: 1999, currency: 'usd' });
    expect((await Order.findById(order.id))!.isPaid()).toBe(true);

    const { data } = await waitForEvent(ctx.env.bus, Subjects.PaymentCreated, {
      match: (event) => event.orderId === order.id,
    });
    expect(data).toEqual({ id: response.body.id, orderId: order.id, stripeId: intent.id });

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
    await request(ctx.appWithCurrency('eur'))
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
    expect(declined.body).toEqual({ errors: [{ message: 'Your card was declined.' }] });
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
    expect(second.body.errors[0].message).toBe('Your card has insufficient funds.');
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
      nextAction: expect.objectContaining({ type: 'use_stripe_sdk' }),
    });
    expect(await Payment.countDocuments({ orderId: order.id })).toBe(0);

    ctx.fake.completeAction(intent.id);
    const { data } = await waitForEvent(ctx.env.bus, Subjects.PaymentCreated, {
      match: (event) => event.orderId === order.id,
    });
    expect(data.stripeId).toBe(intent.id);
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
