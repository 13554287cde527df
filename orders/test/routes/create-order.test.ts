import { OrderStatus, Subjects, TicketStatus } from '@ticketing/common';
import { expiredSessionCookie, signin, waitForEvent } from '@ticketing/common/testing';
import request from 'supertest';
import { Order } from '../../src/models/order';
import { Ticket } from '../../src/models/ticket';
import {
  buildApp,
  insertOrder,
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
  app = buildApp(env.outbox, { expirationWindowSeconds: 60 });
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
      createdAt: expect.any(String),
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
    const res = await request(buildApp(env.outbox, { expirationWindowSeconds: 5 }))
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

  it.each([
    ['the caller’s own', 'mine', TicketStatus.Available, 'You cannot order your own ticket'],
    [
      'a withdrawn',
      'a seller’s',
      TicketStatus.Withdrawn,
      'This ticket was withdrawn by its seller: it can no longer be ordered',
    ],
    ['a sold', 'a seller’s', TicketStatus.Sold, 'This ticket is already sold'],
  ])('refuses %s ticket with 400 saying why', async (_case, owner, status, message) => {
    const me = newId();
    const ticket = await insertTicket({ status, userId: owner === 'mine' ? me : newId() });
    const res = await orderTicket(ticket.id, signin({ id: me })).expect(400);
    expect(res.body).toEqual({ errors: [{ message, field: 'ticketId' }] });
    expect(await Order.countDocuments()).toBe(0);
  });

  it('keeps the title and price the ticket had when ordered, whatever edits come later', async () => {
    const me = signin();
    const ticket = await insertTicket({ title: 'Opera', price: 45.5 });
    const order = (await orderTicket(ticket.id, me).expect(201)).body;
    await Ticket.updateOne({ _id: ticket.id }, { $set: { title: 'Opera (edited)', price: 99, version: 1 } });

    const shown = await request(app).get(`/api/orders/${order.id}`).set('Cookie', me).expect(200);
    expect(shown.body.ticket).toEqual({ id: ticket.id, title: 'Opera', price: 45.5, version: 0 });
  });

  it.each([
    ['missing', undefined, 'Ticket id is required'],
    ['null', null, 'Ticket id is required'],
    ['a number', 12, 'Ticket id must be a string'],
    ['not an id', 'abc', 'Ticket id must be a 24-character hexadecimal id'],
    ['an operator object', { $ne: null }, 'Ticket id must be a string'],
    ['an array', [newId()], 'Ticket id must be a string'],
  ])('rejects a ticketId that is %s', async (_what, ticketId, message) => {
    const res = await orderTicket(ticketId).expect(400);
    expect(res.body).toEqual({ errors: [{ message, field: 'ticketId' }] });
    expect(await Order.countDocuments()).toBe(0);
  });

  it('refuses fields other than ticketId, naming them', async () => {
    const ticket = await insertTicket();
    const res = await request(app)
      .post('/api/orders')
      .set('Cookie', signin())
      .send({ ticketId: ticket.id, price: 0.01, userId: newId() })
      .expect(400);
    expect(res.body.errors.map((error: { field: string }) => error.field)).toEqual(['price', 'userId']);
    expect(await Order.countDocuments()).toBe(0);
  });

  it('answers a non-JSON body with 415', async () => {
    const ticket = await insertTicket();
    await request(app)
      .post('/api/orders')
      .set('Cookie', signin())
      .type('form')
      .send({ ticketId: ticket.id })
      .expect(415);
  });

  it.each([
    [OrderStatus.Created, 'This ticket is reserved by another order: try again later'],
    // Paid for: sold, even before tickets' ticket.updated has marked this service's copy sold.
    [OrderStatus.Complete, 'This ticket is already sold'],
  ])('rejects a ticket held by an order in status %s', async (status, message) => {
    const existing = await insertOrder(status);

    const res = await orderTicket(String(existing.ticket)).expect(400);
    expect(res.body).toEqual({ errors: [{ message, field: 'ticketId' }] });
    expect(await recordedEvents(env.outbox, Subjects.OrderCreated)).toHaveLength(0);
  });

  it('lets another buyer order a ticket whose order was cancelled', async () => {
    const cancelled = await insertOrder(OrderStatus.Cancelled);
    await orderTicket(String(cancelled.ticket)).expect(201);
    expect(await Order.countDocuments({ ticket: cancelled.ticket })).toBe(2);
  });
});
