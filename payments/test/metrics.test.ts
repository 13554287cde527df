import { metricValue, signin } from '@ticketing/common/testing';
import request from 'supertest';
import { Payment } from '../src/models/payment';
import { refundPayment } from '../src/refund-payment';
import { createOrderCopy, stripeAnsweringStatus, usePaymentsTestContext } from './setup';

const ctx = usePaymentsTestContext();

function pay(order: { id: string; userId: string }, paymentMethod: string) {
  return request(ctx.app)
    .post('/api/payments')
    .set('Cookie', signin({ id: order.userId }))
    .send({ orderId: order.id, paymentMethod });
}

async function scrape(): Promise<string> {
  return (await request(ctx.app).get('/metrics').expect(200)).text;
}

const attempts = (text: string, outcome: string) =>
  metricValue(text, 'payment_attempts_total', { service: 'payments', outcome }) ?? 0;
const refunds = (text: string) => metricValue(text, 'payment_refunds_total', { service: 'payments' });

describe('payment metrics', () => {
  it.each([
    ['pm_card_visa', 201, 'succeeded'],
    ['pm_card_chargeDeclined', 402, 'declined'],
    ['pm_card_authenticationRequired', 202, 'requires_action'],
  ])('counts a payment with %s (%i) as %s, and times the request', async (paymentMethod, status, outcome) => {
    const before = await scrape();
    const order = await createOrderCopy();
    await pay(order, paymentMethod).expect(status);

    const text = await scrape();
    expect(attempts(text, outcome)).toBe(attempts(before, outcome) + 1);
    for (const other of ['succeeded', 'declined', 'requires_action', 'failed'].filter((o) => o !== outcome)) {
      expect(attempts(text, other)).toBe(attempts(before, other));
    }
    const labels = { method: 'POST', route: '/api/payments', status_code: String(status) };
    const count = (scraped: string) => metricValue(scraped, 'http_request_duration_seconds_count', labels) ?? 0;
    expect(count(text)).toBe(count(before) + 1);
  });

  it('counts an attempt Stripe could not be reached for as failed', async () => {
    const before = await scrape();
    const order = await createOrderCopy();
    await ctx.fake.goOffline();
    try {
      await pay(order, 'pm_card_visa').expect(502);
    } finally {
      await ctx.fake.goOnline();
    }
    expect(attempts(await scrape(), 'failed')).toBe(attempts(before, 'failed') + 1);
  });

  it('counts no attempt for an order refused before Stripe is asked', async () => {
    const before = await scrape();
    const order = await createOrderCopy({ expiresAt: new Date(Date.now() - 1_000) });
    await pay(order, 'pm_card_visa').expect(400);
    const text = await scrape();
    for (const outcome of ['succeeded', 'declined', 'requires_action', 'failed']) {
      expect(attempts(text, outcome)).toBe(attempts(before, outcome));
    }
  });

  it('counts no attempt while Stripe is still processing: its webhook tells how the payment ends', async () => {
    const before = await scrape();
    const order = await createOrderCopy();
    const stripe = stripeAnsweringStatus(ctx, 'processing');
    const response = await request(ctx.appWith({ stripe }))
      .post('/api/payments')
      .set('Cookie', signin({ id: order.userId }))
      .send({ orderId: order.id, paymentMethod: 'pm_card_visa' })
      .expect(202);
    expect(response.body.status).toBe('processing');
    const text = await scrape();
    for (const outcome of ['succeeded', 'declined', 'requires_action', 'failed']) {
      expect(attempts(text, outcome)).toBe(attempts(before, outcome));
    }
  });

  it('counts a refund once, however often it is made', async () => {
    const order = await createOrderCopy();
    const { body } = await pay(order, 'pm_card_visa').expect(201);
    const before = refunds(await scrape()) ?? 0;
    const payment = (await Payment.findById(body.id))!;

    await refundPayment(ctx.payments, payment);
    expect(refunds(await scrape())).toBe(before + 1);
    // Stripe answers the second refund with the first; the payment is already marked refunded.
    await refundPayment(ctx.payments, payment);
    expect(refunds(await scrape())).toBe(before + 1);
  });
});
