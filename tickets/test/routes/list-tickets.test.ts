import { TicketStatus } from '@ticketing/common';
import { signin } from '@ticketing/common/testing';
import request from 'supertest';
import { Ticket } from '../../src/models/ticket';
import { createTicket, newObjectId, startTicketsTest, type TicketBody, type TicketsTestContext } from '../setup';

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

async function createTickets(titles: string[], seller = signin()): Promise<TicketBody[]> {
  const tickets: TicketBody[] = [];
  // One after the other, so that creation order (and so "newest first") is known.
  for (const title of titles) tickets.push(await createTicket(context.app, { title }, seller));
  return tickets;
}

async function setStatus(ticket: TicketBody, status: TicketStatus): Promise<void> {
  const orderId = status === TicketStatus.Reserved || status === TicketStatus.Sold ? newObjectId() : undefined;
  await Ticket.updateOne({ _id: ticket.id }, { $set: { status, ...(orderId ? { orderId } : {}) } });
}

function nextLink(linkHeader: string | undefined): string | undefined {
  return linkHeader?.match(/^<([^>]+)>; rel="next"$/)?.[1];
}

describe('GET /api/tickets', () => {
  it('returns an empty array when nothing is for sale', async () => {
    const response = await request(context.app).get('/api/tickets');
    expect(response.status).toBe(200);
    expect(response.body).toEqual([]);
    expect(response.headers['x-next-cursor']).toBeUndefined();
    expect(response.headers.link).toBeUndefined();
  });

  it('lists the tickets for sale newest first, leaving out reserved, sold and withdrawn ones', async () => {
    const [first, reserved, sold, withdrawn, last] = await createTickets([
      'First',
      'Reserved',
      'Sold',
      'Withdrawn',
      'Last',
    ]);
    await setStatus(reserved, TicketStatus.Reserved);
    await setStatus(sold, TicketStatus.Sold);
    await setStatus(withdrawn, TicketStatus.Withdrawn);

    const response = await request(context.app).get('/api/tickets');
    expect(response.status).toBe(200);
    expect(response.body).toEqual([last, first]);
  });

  it('pages with limit and the cursor of X-Next-Cursor / Link until the last page', async () => {
    const tickets = await createTickets(['A', 'B', 'C', 'D', 'E']);
    const newestFirst = [...tickets].reverse();

    const first = await request(context.app).get('/api/tickets?limit=2');
    expect(first.body).toEqual(newestFirst.slice(0, 2));
    const cursor = first.headers['x-next-cursor'];
    expect(cursor).toEqual(expect.any(String));
    expect(nextLink(first.headers.link)).toBe(`/api/tickets?limit=2&cursor=${cursor}`);

    const second = await request(context.app).get(`/api/tickets?limit=2&cursor=${cursor}`);
    expect(second.body).toEqual(newestFirst.slice(2, 4));

    const last = await request(context.app).get(nextLink(second.headers.link)!);
    expect(last.body).toEqual(newestFirst.slice(4));
    expect(last.headers['x-next-cursor']).toBeUndefined();
    expect(last.headers.link).toBeUndefined();
  });

  it('has no next page when the page is exactly full', async () => {
    await createTickets(['A', 'B']);
    const response = await request(context.app).get('/api/tickets?limit=2');
    expect(response.body).toHaveLength(2);
    expect(response.headers['x-next-cursor']).toBeUndefined();
  });

  it('returns 20 tickets by default', async () => {
    const userId = newObjectId();
    await Ticket.insertMany(Array.from({ length: 25 }, (_, index) => ({ title: `T${index}`, price: 10, userId })));
    const response = await request(context.app).get('/api/tickets');
    expect(response.body).toHaveLength(20);
    expect(response.headers['x-next-cursor']).toEqual(expect.any(String));
  });

  it('searches titles case-insensitively, and keeps the search in the next link', async () => {
    await createTickets(['Rock Concert', 'Opera night', 'Jazz concert', 'CONCERT hall']);

    const response = await request(context.app).get('/api/tickets?q=concert&limit=2');
    expect(response.body.map((ticket: TicketBody) => ticket.title)).toEqual(['CONCERT hall', 'Jazz concert']);
    const next = await request(context.app).get(nextLink(response.headers.link)!);
    expect(next.body.map((ticket: TicketBody) => ticket.title)).toEqual(['Rock Concert']);
  });

  it('finds a title however its accents were typed: the search is normalised as titles are', async () => {
    await createTickets(['Café Opéra', 'Cafe Opera']);
    const response = await request(context.app).get(`/api/tickets?q=${encodeURIComponent('Cafe\u0301')}`);
    expect(response.body.map((ticket: TicketBody) => ticket.title)).toEqual(['Café Opéra']);
  });

  it('treats the search as plain text, not as a regular expression', async () => {
    await createTickets(['a+b (live)', 'aab live', 'Anything']);

    const literal = await request(context.app).get(`/api/tickets?q=${encodeURIComponent('a+b (live)')}`);
    expect(literal.body.map((ticket: TicketBody) => ticket.title)).toEqual(['a+b (live)']);
    const dotStar = await request(context.app).get(`/api/tickets?q=${encodeURIComponent('.*')}`);
    expect(dotStar.body).toEqual([]);
  });

  it.each([
    ['limit 0', 'limit=0'],
    ['limit above the maximum', 'limit=101'],
    ['limit not a number', 'limit=ten'],
    ['limit given twice', 'limit=1&limit=2'],
    ['a cursor that is not one of ours', 'cursor=bm90LWFuLWlk'],
    ['a cursor given twice', 'cursor=a&cursor=b'],
    ['q given twice', 'q=a&q=b'],
    ['q too long', `q=${'x'.repeat(201)}`],
    ['q with NUL', 'q=Jazz%00'],
    ['q with a right-to-left override', `q=${encodeURIComponent('\u202eJazz')}`],
    ['mine neither true nor false', 'mine=yes'],
  ])('answers 400 for %s', async (_case, queryString) => {
    const response = await request(context.app).get(`/api/tickets?${queryString}`);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ message: expect.any(String), field: expect.any(String) }]);
  });

  it('with mine=true lists the caller’s own listings in every state, newest first, paged, and nobody else’s', async () => {
    const sellerId = newObjectId();
    const seller = signin({ id: sellerId });
    const [forSale, reserved, sold, withdrawn] = await createTickets(
      ['For sale', 'Reserved', 'Sold', 'Withdrawn'],
      seller,
    );
    await createTickets(['Someone else’s']);
    await setStatus(reserved, TicketStatus.Reserved);
    await setStatus(sold, TicketStatus.Sold);
    await setStatus(withdrawn, TicketStatus.Withdrawn);

    const first = await request(context.app).get('/api/tickets?mine=true&limit=3').set('Cookie', seller).expect(200);
    expect(first.body.map((ticket: TicketBody) => [ticket.title, ticket.status, ticket.userId])).toEqual([
      ['Withdrawn', 'withdrawn', sellerId],
      ['Sold', 'sold', sellerId],
      ['Reserved', 'reserved', sellerId],
    ]);
    expect(nextLink(first.headers.link)).toContain('mine=true');
    const second = await request(context.app).get(nextLink(first.headers.link)!).set('Cookie', seller).expect(200);
    expect(second.body).toEqual([forSale]);

    const notMine = await request(context.app).get('/api/tickets?mine=false').set('Cookie', seller).expect(200);
    expect(notMine.body.map((ticket: TicketBody) => ticket.title)).toEqual(['Someone else’s', 'For sale']);
  });

  it('with mine=true and no session answers 401', async () => {
    const response = await request(context.app).get('/api/tickets?mine=true').expect(401);
    expect(response.body).toEqual({ errors: [{ message: 'Sign in to do this' }] });
  });

  it('accepts the maximum limit', async () => {
    await createTickets(['A']);
    const response = await request(context.app).get('/api/tickets?limit=100');
    expect(response.status).toBe(200);
    expect(response.body).toHaveLength(1);
  });
});
