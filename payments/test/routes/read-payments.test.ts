import { PaymentStatus } from '@ticketing/common';
import { forgedSessionCookies, signin } from '@ticketing/common/testing';
import mongoose from 'mongoose';
import request from 'supertest';
import { Payment } from '../../src/models/payment';
import { createOrderCopy, usePaymentsTestContext } from '../setup';

const ctx = usePaymentsTestContext();

const newId = () => new mongoose.Types.ObjectId().toHexString();

let stripeIds = 0;

/** A payment as recording one leaves it, straight in the database (one at a time, so ids grow). */
function storedPayment(fields: { userId: string; orderId?: string; amount?: number; refundedAt?: Date }) {
  stripeIds += 1;
  return Payment.create({
    orderId: fields.orderId ?? newId(),
    userId: fields.userId,
    stripeId: `pi_stored_${stripeIds}`,
    amount: fields.amount ?? 2000,
    currency: 'usd',
    status: fields.refundedAt ? PaymentStatus.Refunded : PaymentStatus.Succeeded,
    refundDue: false,
    ...(fields.refundedAt ? { refundedAt: fields.refundedAt } : {}),
  });
}

function get(url: string, userId?: string) {
  const req = request(ctx.app).get(url);
  if (userId) req.set('Cookie', signin({ id: userId }));
  return req;
}

/** Every payment `url` lists, following the Link of each page; and the size of each page. */
async function allPages(url: string, userId: string): Promise<{ ids: string[]; pageSizes: number[] }> {
  const ids: string[] = [];
  const pageSizes: number[] = [];
  let next: string | undefined = url;
  while (next) {
    const response = await get(next, userId).expect(200);
    ids.push(...(response.body as { id: string }[]).map((payment) => payment.id));
    pageSizes.push(response.body.length);
    const link = response.headers.link as string | undefined;
    if (link) expect(link).toContain(`cursor=${response.headers['x-next-cursor'] as string}`);
    next = link ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined;
  }
  return { ids, pageSizes };
}

describe('GET /api/payments', () => {
  it('requires a session', async () => {
    await get('/api/payments').expect(401);
  });

  it("lists the caller's payments only, newest first, as the API shows a payment", async () => {
    const userId = newId();
    const order = await createOrderCopy({ userId, price: 12.34 });
    await storedPayment({ userId: newId() });
    const refunded = await storedPayment({ userId, amount: 550, refundedAt: new Date('2030-01-02T03:04:05.000Z') });
    const paid = await request(ctx.app)
      .post('/api/payments')
      .set('Cookie', signin({ id: userId }))
      .send({ orderId: order.id, paymentMethod: 'pm_card_mastercard' })
      .expect(201);

    const response = await get('/api/payments', userId).expect(200);
    expect(response.headers.link).toBeUndefined();
    expect(response.body).toEqual([
      {
        id: paid.body.id,
        orderId: order.id,
        amount: 12.34,
        currency: 'usd',
        status: 'succeeded',
        card: { brand: 'mastercard', last4: '4444' },
        createdAt: paid.body.createdAt,
      },
      {
        id: refunded.id,
        orderId: refunded.orderId,
        amount: 5.5,
        currency: 'usd',
        status: 'refunded',
        createdAt: refunded.createdAt.toISOString(),
        refundedAt: '2030-01-02T03:04:05.000Z',
      },
    ]);
  });

  it('pages through every payment once, keeping the orderId filter', async () => {
    const userId = newId();
    const orderId = newId();
    const stored: string[] = [];
    for (let index = 0; index < 25; index += 1) {
      stored.push((await storedPayment({ userId, orderId: index % 5 === 0 ? newId() : orderId })).id as string);
      await storedPayment({ userId: newId(), orderId });
    }
    const newestFirst = [...stored].reverse();

    expect(await allPages('/api/payments?limit=10', userId)).toEqual({ ids: newestFirst, pageSizes: [10, 10, 5] });
    const ofOrder = await allPages(`/api/payments?orderId=${orderId}&limit=7`, userId);
    expect(ofOrder).toEqual({ ids: newestFirst.filter((_id, index) => index % 5 !== 4), pageSizes: [7, 7, 6] });
  });

  it('gives 20 payments by default', async () => {
    const userId = newId();
    for (let index = 0; index < 21; index += 1) await storedPayment({ userId });
    const first = await get('/api/payments', userId).expect(200);
    expect(first.body).toHaveLength(20);
    expect(first.headers['x-next-cursor']).toEqual(expect.any(String));
  });

  it("filters by order id, in any case, and finds nothing for another user's order", async () => {
    const userId = newId();
    const mine = await storedPayment({ userId });
    await storedPayment({ userId });
    const theirs = await storedPayment({ userId: newId() });

    const filtered = await get(`/api/payments?orderId=${mine.orderId.toUpperCase()}`, userId).expect(200);
    expect(filtered.body.map((payment: { id: string }) => payment.id)).toEqual([mine.id]);
    await get(`/api/payments?orderId=${theirs.orderId}`, userId).expect(200, []);
  });

  it.each([
    ['orderId=not-an-id', [{ message: 'Order id must be a 24-character hexadecimal id', field: 'orderId' }]],
    ['orderId=', [{ message: 'Order id must be a 24-character hexadecimal id', field: 'orderId' }]],
    [
      `orderId=${'a'.repeat(24)}&orderId=${'b'.repeat(24)}`,
      [{ message: 'Order id must be a string', field: 'orderId' }],
    ],
    ['limit=0', [{ message: 'Limit must be an integer from 1 to 100', field: 'limit' }]],
    [
      'cursor=bm90LWFuLWlk',
      [
        {
          message: 'Cursor is not one this service gave out: use the X-Next-Cursor of the previous page',
          field: 'cursor',
        },
      ],
    ],
  ])('answers 400 naming the parameter for %s', async (query, errors) => {
    await get(`/api/payments?${query}`, newId()).expect(400, { errors });
  });
});

describe('GET /api/payments/:id', () => {
  it("shows one of the caller's payments", async () => {
    const order = await createOrderCopy({ price: 8 });
    const paid = await request(ctx.app)
      .post('/api/payments')
      .set('Cookie', signin({ id: order.userId }))
      .send({ orderId: order.id, paymentMethod: 'pm_card_visa' })
      .expect(201);
    const response = await get(`/api/payments/${paid.body.id as string}`, order.userId).expect(200);
    expect(response.body).toEqual(paid.body);
    expect(response.body).toMatchObject({ amount: 8, status: 'succeeded', card: { brand: 'visa', last4: '4242' } });
  });

  it('requires a session', async () => {
    const payment = await storedPayment({ userId: newId() });
    await get(`/api/payments/${payment.id as string}`).expect(401);
  });

  const ownerId = newId();
  it.each(forgedSessionCookies(ownerId))(
    'is 401 for a session auth did not sign, claiming the owner: %s',
    async (_case, cookie) => {
      const payment = await storedPayment({ userId: ownerId });
      await request(ctx.app)
        .get(`/api/payments/${payment.id as string}`)
        .set('Cookie', cookie)
        .expect(401);
    },
  );

  it("refuses another user's payment with 403", async () => {
    const payment = await storedPayment({ userId: newId() });
    await get(`/api/payments/${payment.id as string}`, newId()).expect(403, {
      errors: [{ message: 'This payment belongs to another user' }],
    });
  });

  it.each([newId(), 'not-an-id', '123'])('answers 404 for the unknown or malformed id %s', async (id) => {
    await get(`/api/payments/${id}`, newId()).expect(404, { errors: [{ message: 'Payment not found' }] });
  });
});
