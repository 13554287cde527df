import {
  EVENT_STREAM,
  OrderCancelReason,
  PaymentStatus,
  Publisher,
  Subjects,
  type OrderCancelledEvent,
} from '@ticketing/common';
import { signin, waitFor, waitForConsumer, waitForEvent } from '@ticketing/common/testing';
import request from 'supertest';
import { OrderCancelledListener } from '../src/events/listeners/order-cancelled-listener';
import { Order } from '../src/models/order';
import { Payment } from '../src/models/payment';
import { markPaymentRefunded } from '../src/refund-payment';
import { startRefundSweep } from '../src/refund-sweep';
import { createOrderCopy, paymentRefundedRecords, startPaymentsTestContext, type PaymentsTestContext } from './setup';

class OrderCancelledPublisher extends Publisher<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;
}

let ctx: PaymentsTestContext;
let listener: OrderCancelledListener;

beforeAll(async () => {
  ctx = await startPaymentsTestContext();
  listener = new OrderCancelledListener(
    ctx.env.bus,
    { serviceName: 'payments', retryDelayMs: 100, maxRetryDelayMs: 200 },
    ctx.payments,
  );
  await listener.listen();
});

afterAll(async () => {
  await listener.stop();
  await ctx.stop();
});

beforeEach(async () => {
  await ctx.reset();
});

type OrderCopy = { id: string; userId: string };

function pay(order: OrderCopy, paymentMethod = 'pm_card_visa') {
  return request(ctx.app)
    .post('/api/payments')
    .set('Cookie', signin({ id: order.userId }))
    .send({ orderId: order.id, paymentMethod });
}

async function paidOrder(price = 20): Promise<{ order: OrderCopy; paymentId: string }> {
  const order = await createOrderCopy({ price });
  const response = await pay(order).expect(201);
  return { order, paymentId: response.body.id as string };
}

/** What the orders service publishes when it cancels `order`; published again, it is a redelivery. */
async function publishCancelled(order: OrderCopy): Promise<void> {
  await new OrderCancelledPublisher(ctx.env.bus).publish({
    id: order.id,
    version: 1,
    reason: OrderCancelReason.Expired,
    ticket: { id: order.id },
  });
}

/** The refunds of the order's PaymentIntent at the fake. */
function refundsOf(order: OrderCopy) {
  const intentIds = new Set(
    ctx.fake.paymentIntents.filter((intent) => intent.metadata.orderId === order.id).map((intent) => intent.id),
  );
  return ctx.fake.refunds.filter((refund) => intentIds.has(refund.payment_intent));
}

async function consumerRedeliveries(): Promise<number> {
  const info = await (await ctx.env.bus.jetstreamManager()).consumers.info(EVENT_STREAM, listener.durableName);
  return info.num_redelivered;
}

describe('a paid order cancelled afterwards', () => {
  it('is refunded once, with payment.refunded, however often order.cancelled is delivered', async () => {
    const { order, paymentId } = await paidOrder(42.5);
    await publishCancelled(order);
    await waitForConsumer(ctx.env.bus, listener.durableName);

    const payment = (await Payment.findById(paymentId))!;
    expect(payment).toMatchObject({ status: PaymentStatus.Refunded, refundDue: false });
    const [refund] = refundsOf(order);
    expect(refund).toMatchObject({ amount: 4250, metadata: { orderId: order.id, paymentId } });
    expect(payment.refundId).toBe(refund.id);
    expect(payment.refundedAt).toEqual(new Date(refund.created * 1000));
    expect((await Order.findById(order.id))!.isCancelled()).toBe(true);
    const { data } = await waitForEvent(ctx.env.bus, Subjects.PaymentRefunded, {
      match: (e) => e.orderId === order.id,
    });
    expect(data).toEqual({
      id: paymentId,
      orderId: order.id,
      stripeId: payment.stripeId,
      amount: 42.5,
      currency: 'usd',
      refundedAt: payment.refundedAt!.toISOString(),
    });

    await publishCancelled(order);
    await publishCancelled(order);
    await waitForConsumer(ctx.env.bus, listener.durableName);
    // Stripe's own charge.refunded reaches the webhook as well.
    await ctx.fake.flushWebhooks();
    expect(refundsOf(order)).toHaveLength(1);
    expect(await paymentRefundedRecords(order.id)).toHaveLength(1);
    expect((await Payment.findById(paymentId))!.refundId).toBe(refund.id);
  });

  it('is marked refunded without a second refund when it was already refunded at Stripe', async () => {
    const { order, paymentId } = await paidOrder();
    const payment = (await Payment.findById(paymentId))!;
    // Refunded in the dashboard while the webhook is not delivered: payments did not hear of it.
    ctx.fake.setWebhookUrl(undefined);
    try {
      await ctx.stripe.refunds.create({ payment_intent: payment.stripeId });
    } finally {
      ctx.fake.setWebhookUrl(ctx.webhookUrl);
    }

    await publishCancelled(order);
    await waitForConsumer(ctx.env.bus, listener.durableName);
    expect(refundsOf(order)).toHaveLength(1);
    expect(await Payment.findById(paymentId)).toMatchObject({ status: PaymentStatus.Refunded, refundDue: false });
    expect(await paymentRefundedRecords(order.id)).toHaveLength(1);
  });

  it('is refunded once Stripe is back: the listener retries with backoff meanwhile', async () => {
    const { order, paymentId } = await paidOrder();
    const redeliveriesBefore = await consumerRedeliveries();
    await ctx.fake.goOffline();
    try {
      await publishCancelled(order);
      await waitFor(async () => (await consumerRedeliveries()) > redeliveriesBefore, {
        description: 'order.cancelled to be redelivered after a failed refund',
      });
      expect(await Payment.findById(paymentId)).toMatchObject({ status: PaymentStatus.Succeeded, refundDue: true });
    } finally {
      await ctx.fake.goOnline();
    }
    await waitForConsumer(ctx.env.bus, listener.durableName);
    expect(await Payment.findById(paymentId)).toMatchObject({ status: PaymentStatus.Refunded, refundDue: false });
    expect(refundsOf(order)).toHaveLength(1);
    expect(await paymentRefundedRecords(order.id)).toHaveLength(1);
  });

  it('is refunded by the sweep when no one else could; sweeps running together refund once', async () => {
    const { order, paymentId } = await paidOrder();
    await ctx.fake.goOffline();
    try {
      // The listener's last delivery, failing: what is left is the payment marked due.
      await expect(
        listener.onMessage({
          id: order.id,
          version: 1,
          reason: OrderCancelReason.RequestedByBuyer,
          ticket: { id: order.id },
        }),
      ).rejects.toThrow(/1 of 1 refunds failed/);
    } finally {
      await ctx.fake.goOnline();
    }
    expect(await Payment.findById(paymentId)).toMatchObject({ status: PaymentStatus.Succeeded, refundDue: true });

    const sweeps = [1, 2].map(() => startRefundSweep({ payments: ctx.payments, intervalMs: 20 }));
    try {
      await waitFor(async () => (await Payment.findById(paymentId))?.status === PaymentStatus.Refunded, {
        description: 'the sweep to refund the payment',
      });
    } finally {
      await Promise.all(sweeps.map((sweep) => sweep.stop()));
    }
    expect(refundsOf(order)).toHaveLength(1);
    expect(await paymentRefundedRecords(order.id)).toHaveLength(1);
  });
});

describe('marking a payment refunded', () => {
  it("keeps the Refund's id when Stripe's charge.refunded got there first, changing nothing else", async () => {
    const { order, paymentId } = await paidOrder();
    const { stripeId } = (await Payment.findById(paymentId))!;
    const webhookSawItAt = new Date('2030-01-01T00:00:00.000Z');

    expect(await markPaymentRefunded(ctx.outbox, stripeId, { refundedAt: webhookSawItAt })).toMatchObject({
      status: PaymentStatus.Refunded,
    });
    expect(
      await markPaymentRefunded(ctx.outbox, stripeId, { refundedAt: new Date(), refundId: 're_from_our_refund' }),
    ).toBeNull();
    expect(await Payment.findById(paymentId)).toMatchObject({
      status: PaymentStatus.Refunded,
      refundedAt: webhookSawItAt,
      refundId: 're_from_our_refund',
    });
    expect(await paymentRefundedRecords(order.id)).toHaveLength(1);
  });

  it('marks nothing for a PaymentIntent it has no payment for', async () => {
    expect(await markPaymentRefunded(ctx.outbox, 'pi_unknown', { refundedAt: new Date() })).toBeNull();
  });
});

describe('a payment that succeeds after its order was cancelled', () => {
  it('is refunded as soon as it is recorded (3-D Secure completed after the order expired)', async () => {
    const order = await createOrderCopy({ price: 15 });
    const response = await pay(order, 'pm_card_authenticationRequired').expect(202);
    await publishCancelled(order);
    await waitForConsumer(ctx.env.bus, listener.durableName);
    expect(refundsOf(order)).toEqual([]);

    expect((await fetch(response.body.nextAction.use_stripe_sdk.stripe_js)).status).toBe(200);
    const { data } = await waitForEvent(ctx.env.bus, Subjects.PaymentRefunded, {
      match: (e) => e.orderId === order.id,
    });
    expect(data).toMatchObject({ stripeId: response.body.paymentIntentId, amount: 15 });
    await ctx.fake.flushWebhooks();
    expect(await Payment.findOne({ orderId: order.id })).toMatchObject({
      status: PaymentStatus.Refunded,
      card: { brand: 'visa', last4: '3184' },
    });
    expect(refundsOf(order)).toHaveLength(1);
    expect(await paymentRefundedRecords(order.id)).toHaveLength(1);
  });
});

describe('orders that hold no money', () => {
  it('refunds nothing for a cancelled order that was never paid, or only declined', async () => {
    const unpaid = await createOrderCopy();
    const declined = await createOrderCopy();
    await pay(declined, 'pm_card_chargeDeclined').expect(402);
    await publishCancelled(unpaid);
    await publishCancelled(declined);
    await waitForConsumer(ctx.env.bus, listener.durableName);
    expect((await Order.findById(declined.id))!.isCancelled()).toBe(true);
    expect([...refundsOf(unpaid), ...refundsOf(declined)]).toEqual([]);
    expect(await Payment.countDocuments()).toBe(0);
  });
});
