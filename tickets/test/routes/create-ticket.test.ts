import { Subjects } from '@ticketing/common';
import { expiredSessionCookie, signin, waitForEvent } from '@ticketing/common/testing';
import request from 'supertest';
import { Ticket } from '../../src/models/ticket';
import { newObjectId, startTicketsTest, storedTicketEvents, type TicketsTestContext } from '../setup';

let context: TicketsTestContext;

beforeAll(async () => {
  context = await startTicketsTest();
});

afterAll(async () => {
  await context.env.stop();
});

beforeEach(async () => {
  await context.env.clearDatabase();
});

describe('POST /api/tickets', () => {
  it('creates a ticket owned by the signed-in user, version 0, and publishes ticket.created', async () => {
    const userId = newObjectId();
    const response = await request(context.app)
      .post('/api/tickets')
      .set('Cookie', signin({ id: userId }))
      .send({ title: '  Concert  ', price: 20.5 });

    expect(response.status).toBe(201);
    expect(response.body).toEqual({ id: expect.any(String), title: 'Concert', price: 20.5, userId, version: 0 });
    const stored = await Ticket.findById(response.body.id);
    expect(stored).toMatchObject({ title: 'Concert', price: 20.5, userId, version: 0 });

    const { data } = await waitForEvent(context.env.bus, Subjects.TicketCreated, {
      match: (event) => event.id === response.body.id,
    });
    expect(data).toEqual({ id: response.body.id, version: 0, title: 'Concert', price: 20.5, userId });
    expect(await storedTicketEvents(context.env.bus, response.body.id)).toHaveLength(1);
  });

  it('accepts a price sent as a numeric string, as the course client does, and stores a number', async () => {
    const response = await request(context.app)
      .post('/api/tickets')
      .set('Cookie', signin())
      .send({ title: 'Concert', price: '10.10' });
    expect(response.status).toBe(201);
    expect(response.body.price).toBe(10.1);
  });

  it.each([
    ['no session', []],
    ['an expired session', expiredSessionCookie()],
  ])('answers 401 with %s and stores nothing', async (_case, cookie) => {
    const response = await request(context.app)
      .post('/api/tickets')
      .set('Cookie', cookie)
      .send({ title: 'Concert', price: 10 });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ errors: [{ message: 'Not authorized' }] });
    expect(await Ticket.countDocuments()).toBe(0);
  });

  it.each([
    ['missing title', { price: 10 }, 'title'],
    ['empty title', { title: '', price: 10 }, 'title'],
    ['blank title', { title: '    ', price: 10 }, 'title'],
    ['title too long', { title: 'x'.repeat(201), price: 10 }, 'title'],
    ['title as a number', { title: 42, price: 10 }, 'title'],
    ['title as an array', { title: ['Concert'], price: 10 }, 'title'],
    ['NoSQL-injection shaped title', { title: { $ne: null }, price: 10 }, 'title'],
    ['missing price', { title: 'Concert' }, 'price'],
    ['null price', { title: 'Concert', price: null }, 'price'],
    ['zero price', { title: 'Concert', price: 0 }, 'price'],
    ['negative price', { title: 'Concert', price: -10 }, 'price'],
    ['three decimals', { title: 'Concert', price: 10.123 }, 'price'],
    ['above the maximum', { title: 'Concert', price: 1_000_000.01 }, 'price'],
    ['not a number', { title: 'Concert', price: 'ten' }, 'price'],
    ['exponent notation', { title: 'Concert', price: '1e3' }, 'price'],
    ['boolean price', { title: 'Concert', price: true }, 'price'],
    ['NoSQL-injection shaped price', { title: 'Concert', price: { $gt: 0 } }, 'price'],
  ])('answers 400 for %s', async (_case, body, field) => {
    const response = await request(context.app).post('/api/tickets').set('Cookie', signin()).send(body);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ message: expect.any(String), field }]);
    expect(await Ticket.countDocuments()).toBe(0);
  });

  it('accepts the boundaries: 200-character title and the maximum price', async () => {
    const response = await request(context.app)
      .post('/api/tickets')
      .set('Cookie', signin())
      .send({ title: 'x'.repeat(200), price: 1_000_000 });
    expect(response.status).toBe(201);
  });

  it('ignores fields the client may not set (owner, version, reservation)', async () => {
    const userId = newObjectId();
    const response = await request(context.app)
      .post('/api/tickets')
      .set('Cookie', signin({ id: userId }))
      .send({ title: 'Concert', price: 10, userId: newObjectId(), version: 7, orderId: newObjectId() });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ id: expect.any(String), title: 'Concert', price: 10, userId, version: 0 });
  });
});
