import { Subjects } from '@ticketing/common';
import { expiredSessionCookie, forgedSessionCookies, signin, waitForEvent } from '@ticketing/common/testing';
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
    expect(response.body).toEqual({
      id: expect.any(String),
      title: 'Concert',
      price: 20.5,
      userId,
      version: 0,
      status: 'available',
      createdAt: expect.any(String),
    });
    const stored = await Ticket.findById(response.body.id);
    expect(stored).toMatchObject({ title: 'Concert', price: 20.5, userId, version: 0, status: 'available' });

    const { data } = await waitForEvent(context.env.bus, Subjects.TicketCreated, {
      match: (event) => event.id === response.body.id,
    });
    expect(data).toEqual({
      id: response.body.id,
      version: 0,
      title: 'Concert',
      price: 20.5,
      userId,
      status: 'available',
    });
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
    ...forgedSessionCookies('5f0c1e2d3b4a596877665544'),
  ])('answers 401 with %s and stores nothing', async (_case, cookie) => {
    const response = await request(context.app)
      .post('/api/tickets')
      .set('Cookie', cookie)
      .send({ title: 'Concert', price: 10 });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ errors: [{ message: 'Sign in to do this' }] });
    expect(await Ticket.countDocuments()).toBe(0);
  });

  it.each([
    ['missing title', { price: 10 }, 'title', 'Title is required'],
    ['title too long', { title: 'x'.repeat(201), price: 10 }, 'title', 'Title must be at most 200 characters'],
    ['title as a number', { title: 42, price: 10 }, 'title', 'Title must be a string'],
    ['missing price', { title: 'Concert' }, 'price', 'Price is required'],
    ['zero price', { title: 'Concert', price: 0 }, 'price', 'Price must be greater than 0'],
    [
      'three decimals',
      { title: 'Concert', price: 10.123 },
      'price',
      'Price must be a number with at most two decimals, e.g. 25 or 19.99',
    ],
  ])('words the %s error the way every service does', async (_case, body, field, message) => {
    const response = await request(context.app).post('/api/tickets').set('Cookie', signin()).send(body);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message, field }] });
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
    ['201 emoji', { title: '🎫'.repeat(201), price: 10 }, 'title'],
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

  it.each([
    ['120 ticket emoji', '🎫'.repeat(120)],
    ['200 ticket emoji', '🎫'.repeat(200)],
    ['200 flags (two code points each: 100 flags)', '🇫🇷'.repeat(100)],
    ['200 accented letters', 'é'.repeat(200)],
  ])('stores a title of %s, counting characters as the input check does', async (_case, title) => {
    const response = await request(context.app).post('/api/tickets').set('Cookie', signin()).send({ title, price: 10 });
    expect(response.status).toBe(201);
    expect((await Ticket.findById(response.body.id))?.title).toBe(title);
  });

  it.each([
    [
      'only zero-width characters',
      '\u200b\u200d\u2060',
      'Title must contain visible characters, not only spaces or invisible ones',
    ],
    [
      'NUL',
      'Concert\u0000',
      'Title must be one line of text, without control characters (line breaks, tabs, NUL and the like)',
    ],
    [
      'a line break',
      'Concert\ntonight',
      'Title must be one line of text, without control characters (line breaks, tabs, NUL and the like)',
    ],
    [
      'a right-to-left override',
      'Concert \u202egnp.exe',
      'Title cannot contain characters that override the direction of the text (U+202A to U+202E, U+2066 to U+2069)',
    ],
    [
      'a directional isolate',
      '\u2067Concert\u2069',
      'Title cannot contain characters that override the direction of the text (U+202A to U+202E, U+2066 to U+2069)',
    ],
  ])('refuses a title with %s, saying why, and stores nothing', async (_case, title, message) => {
    const response = await request(context.app).post('/api/tickets').set('Cookie', signin()).send({ title, price: 10 });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message, field: 'title' }] });
    expect(await Ticket.countDocuments()).toBe(0);
  });

  it.each([
    ['accented', 'Café de l’Opéra', 'Café de l’Opéra'],
    ['accented, typed decomposed', 'Cafe\u0301 de l’Ope\u0301ra', 'Café de l’Opéra'],
    ['emoji', '🎫 Jazz night 👩‍👩‍👧', '🎫 Jazz night 👩‍👩‍👧'],
    ['Arabic', 'حفلة موسيقية في القاهرة', 'حفلة موسيقية في القاهرة'],
    ['Hebrew', 'הופעה חיה בתל אביב', 'הופעה חיה בתל אביב'],
  ])('accepts a %s title and stores it in NFC', async (_case, title, stored) => {
    const response = await request(context.app).post('/api/tickets').set('Cookie', signin()).send({ title, price: 10 });
    expect(response.status).toBe(201);
    expect(response.body.title).toBe(stored);
    const ticket = await Ticket.findById(response.body.id);
    expect(ticket?.title).toBe(stored);
    expect(ticket?.title.normalize('NFC')).toBe(ticket?.title);
  });

  it('refuses fields the client may not set (owner, version, status, reservation), naming each, and stores nothing', async () => {
    const response = await request(context.app)
      .post('/api/tickets')
      .set('Cookie', signin())
      .send({ title: 'Concert', price: 10, userId: newObjectId(), version: 7, status: 'sold', orderId: newObjectId() });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual(
      ['userId', 'version', 'status', 'orderId'].map((field) => ({
        message: `Unknown field ${field}: remove it from the request`,
        field,
      })),
    );
    expect(await Ticket.countDocuments()).toBe(0);
  });
});
