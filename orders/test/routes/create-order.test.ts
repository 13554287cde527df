import { OrderStatus, Subjects } from '@ticketing/common';
import { expiredSessionCookie, signin, waitForEvent } from '@ticketing/common/testing';
import request from 'supertest';
import { Order } from '../../src/models/order';
import {
  buildApp,
  insertTicket,
  newId,
  recordedEvents,
  startOrdersTestEnvironment,
  type OrdersTestEnvironment,
} from '../setup';

let env: OrdersTestEnvironment;
let app: ReturnType<typeof buildApp>;

beforeAll(async () => {
  env = await startOrdersTestEnvironment();
  app = buildApp(env.outbox, 60);
});
beforeEach(() => env.clearDatabase());
afterAll(() => env.stop());

const orderTicket = (ticketId: unknown, cookie = signin()) =>
  request(app).post('/api/orders').set('Cookie', cookie).send({ ticketId });

describe('POST /api/orders', () => {
  it('reserves the ticket for the caller with an expiry and publishes order.created', async () => {
    const ticket = await insertTicket({ title: 'Opera', price: 45.5 });
    const buyerId = newId();
    const before = Date.now();

    const res = await orderTicket(ticket.id, signin({ id: buyerId })).expect(201);

    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      status: OrderStatus.Created,
      userId: buyerId,
      expiresAt: expect.any(String),
      ticket: { id: ticket.id, title: 'Opera', price: 45.5, version: 0 },
      version: 0,
    });
    const expiresAt = new Date(res.body.expiresAt).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);

    const { data } = await waitForEvent(env.bus, Subjects.OrderCreated, { match: (event) => event.id === res.body.id });
    expect(data).toEqual({
      id: res.body.id,
      version: 0,
      status: OrderStatus.Created,
      userId: buyerId,
      expiresAt: res.body.expiresAt,
      ticket: { id: ticket.id, price: 45.5 },
    });
  });

  it('uses the configured expiration window', async () => {
    const ticket = await insertTicket();
    const res = await request(buildApp(env.outbox, 5))
      .post('/api/orders')
      .set('Cookie', signin())
      .send({ ticketId: ticket.id })
      .expect(201);
    expect(new Date(res.body.expiresAt).getTime()).toBeLessThanOrEqual(Date.now() + 5_000);
  });

  it('needs a signed-in user', async () => {
    const ticket = await insertTicket();
    await request(app).post('/api/orders').send({ ticketId: ticket.id }).expect(401);
    await orderTicket(ticket.id, expiredSessionCookie()).expect(401);
    expect(await Order.countDocuments()).toBe(0);
  });

  it('is 404 for a ticket this service does not know', async () => {
    const res = await orderTicket(newId()).expect(404);
    expect(res.body).toEqual({ errors: [{ message: 'Ticket not found' }] });
  });

  it('rejects ordering your own ticket', async () => {
    const sellerId = newId();
    const ticket = await insertTicket({ userId: sellerId });
    const res = await orderTicket(ticket.id, signin({ id: sellerId })).expect(400);
    expect(res.body.errors[0].message).toMatch(/own ticket/);
    expect(await Order.countDocuments()).toBe(0);
  });

  it.each([
    ['missing', undefined],
    ['a number', 12],
    ['not an id', 'abc'],
    ['an operator object', { $ne: null }],
    ['an array', [newId()]],
  ])('rejects a ticketId that is %s', async (_what, ticketId) => {
    const res = await orderTicket(ticketId).expect(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'ticketId' })]);
    expect(await Order.countDocuments()).toBe(0);
  });

  it.each([OrderStatus.Created, OrderStatus.AwaitingPayment, OrderStatus.Complete])(
    'rejects a ticket reserved by an order in status %s',
    async (status) => {
      const ticket = await insertTicket();
      await Order.create({ userId: newId(), status, expiresAt: new Date(Date.now() + 60_000), ticket: ticket.id });

      const res = await orderTicket(ticket.id).expect(400);
      expect(res.body).toEqual({ errors: [{ message: 'Ticket is already reserved' }] });
      expect(await recordedEvents(env.outbox, Subjects.OrderCreated)).toHaveLength(0);
    },
  );

  it('lets another buyer order a ticket whose order was cancelled', async () => {
    const ticket = await insertTicket();
    await Order.create({
      userId: newId(),
      status: OrderStatus.Cancelled,
      expiresAt: new Date(),
      ticket: ticket.id,
    });
    await orderTicket(ticket.id).expect(201);
    expect(await Order.countDocuments({ ticket: ticket.id })).toBe(2);
  });
});
