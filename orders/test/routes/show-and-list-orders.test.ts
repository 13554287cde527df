import { OrderStatus } from '@ticketing/common';
import { signin, tamperedSessionCookie } from '@ticketing/common/testing';
import request from 'supertest';
import { buildApp, insertTicket, newId, startOrdersTestEnvironment, type OrdersTestEnvironment } from '../setup';

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
  it("returns only the caller's orders, each with its ticket", async () => {
    const me = signin();
    const first = await placeOrder(me, 'First');
    const second = await placeOrder(me, 'Second');
    await placeOrder(signin(), 'Someone else');

    const res = await request(app).get('/api/orders').set('Cookie', me).expect(200);

    expect(res.body).toEqual([first, second]);
    expect(res.body.map((order: { ticket: { title: string } }) => order.ticket.title)).toEqual(['First', 'Second']);
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
    expect(res.body.errors).toHaveLength(1);
  });

  it('is 401 for a cookie edited to claim the owner', async () => {
    const ownerId = newId();
    const order = await placeOrder(signin({ id: ownerId }));
    await request(app)
      .get(`/api/orders/${order.id}`)
      .set('Cookie', tamperedSessionCookie({ forgedId: ownerId }))
      .expect(401);
  });

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
