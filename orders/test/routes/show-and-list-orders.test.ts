import { OrderCancelReason, OrderStatus } from '@ticketing/common';
import { forgedSessionCookies, signin, tamperedSessionCookie } from '@ticketing/common/testing';
import request from 'supertest';
import { Order } from '../../src/models/order';
import {
  buildApp,
  insertOrder,
  insertTicket,
  newId,
  orderPaymentOf,
  paymentCreatedData,
  startOrdersTestEnvironment,
  type OrdersTestEnvironment,
} from '../setup';

let env: OrdersTestEnvironment;
let app: ReturnType<typeof buildApp>;

beforeAll(async () => {
  env = await startOrdersTestEnvironment();
  app = buildApp(env.outbox);
});
beforeEach(() => env.clearDatabase());
afterAll(() => env.stop());

async function placeOrder(cookie: string[], title = 'Concert') {
  const ticket = await insertTicket({ title });
  const res = await request(app).post('/api/orders').set('Cookie', cookie).send({ ticketId: ticket.id }).expect(201);
  return res.body;
}

describe('GET /api/orders', () => {
  it("returns only the caller's orders, newest first, each with its ticket's title and price", async () => {
    const me = signin();
    const first = await placeOrder(me, 'First');
    const second = await placeOrder(me, 'Second');
    await placeOrder(signin(), 'Someone else');

    const res = await request(app).get('/api/orders').set('Cookie', me).expect(200);

    expect(res.body).toEqual([second, first]);
    expect(res.body.map((order: { ticket: { title: string; price: number } }) => order.ticket)).toEqual([
      expect.objectContaining({ title: 'Second', price: 20 }),
      expect.objectContaining({ title: 'First', price: 20 }),
    ]);
  });

  it('pages like the tickets list: limit, X-Next-Cursor and Link until the last page', async () => {
    const me = signin();
    const placed = [];
    for (const title of ['A', 'B', 'C', 'D', 'E']) placed.push(await placeOrder(me, title));
    const newestFirst = placed.reverse();

    const seen = [];
    let url: string | undefined = '/api/orders?limit=2';
    while (url) {
      const res = await request(app).get(url).set('Cookie', me).expect(200);
      seen.push(...res.body);
      const link = res.headers.link as string | undefined;
      if (link) expect(link).toContain(`cursor=${res.headers['x-next-cursor'] as string}`);
      url = link ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined;
    }
    expect(seen).toEqual(newestFirst);
  });

  it.each(['limit=0', 'limit=101', 'cursor=nonsense'])('is 400 for %s, naming the parameter', async (query) => {
    const res = await request(app).get(`/api/orders?${query}`).set('Cookie', signin()).expect(400);
    expect(res.body.errors).toEqual([{ message: expect.any(String), field: query.split('=')[0] }]);
  });

  it('shows why an order ended and what was paid', async () => {
    const userId = newId();
    const me = signin({ id: userId });
    const paid = await insertOrder(OrderStatus.Complete, {
      userId,
      payment: orderPaymentOf(paymentCreatedData(newId())),
    });
    const expired = await insertOrder(OrderStatus.Created, { userId });
    await Order.cancel(env.outbox, expired.id, OrderCancelReason.Expired);

    const res = await request(app).get('/api/orders').set('Cookie', me).expect(200);
    expect(res.body).toEqual([
      expect.objectContaining({ id: expired.id, status: 'cancelled', cancelReason: 'expired' }),
      expect.objectContaining({
        id: paid.id,
        status: 'complete',
        payment: {
          id: paid.payment!.id,
          amount: 20,
          currency: 'usd',
          card: { brand: 'visa', last4: '4242' },
          paidAt: paid.payment!.paidAt.toISOString(),
          status: 'succeeded',
        },
      }),
    ]);
    expect(res.body[0]).not.toHaveProperty('payment');
    expect(res.body[1]).not.toHaveProperty('cancelReason');
  });

  it('is an empty list for a user without orders', async () => {
    await placeOrder(signin());
    const res = await request(app).get('/api/orders').set('Cookie', signin()).expect(200);
    expect(res.body).toEqual([]);
  });

  it('needs a signed-in user', async () => {
    await request(app).get('/api/orders').expect(401);
  });
});

describe('GET /api/orders/:id', () => {
  it('returns the order with its ticket to its owner', async () => {
    const me = signin();
    const order = await placeOrder(me, 'Ballet');
    const res = await request(app).get(`/api/orders/${order.id}`).set('Cookie', me).expect(200);
    expect(res.body).toEqual(order);
    expect(res.body.ticket.title).toBe('Ballet');
    expect(res.body.status).toBe(OrderStatus.Created);
  });

  it("is 403 for another user's order", async () => {
    const order = await placeOrder(signin());
    const res = await request(app).get(`/api/orders/${order.id}`).set('Cookie', signin()).expect(403);
    expect(res.body).toEqual({ errors: [{ message: 'This order belongs to another user' }] });
  });

  it('is 401 for a cookie edited to claim the owner', async () => {
    const ownerId = newId();
    const order = await placeOrder(signin({ id: ownerId }));
    await request(app)
      .get(`/api/orders/${order.id}`)
      .set('Cookie', tamperedSessionCookie({ forgedId: ownerId }))
      .expect(401);
  });

  const ownerId = newId();
  it.each(forgedSessionCookies(ownerId))(
    'is 401 for a session auth did not sign, claiming the owner: %s',
    async (_case, cookie) => {
      const order = await placeOrder(signin({ id: ownerId }));
      await request(app).get(`/api/orders/${order.id}`).set('Cookie', cookie).expect(401);
    },
  );

  it('is 404 for an unknown or malformed id', async () => {
    await request(app).get(`/api/orders/${newId()}`).set('Cookie', signin()).expect(404);
    const res = await request(app).get('/api/orders/not-an-id').set('Cookie', signin()).expect(404);
    expect(res.body).toEqual({ errors: [{ message: 'Order not found' }] });
  });

  it('needs a signed-in user', async () => {
    const order = await placeOrder(signin());
    await request(app).get(`/api/orders/${order.id}`).expect(401);
  });
});
