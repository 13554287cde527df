import { TicketStatus } from '@ticketing/common';
import { signin } from '@ticketing/common/testing';
import request from 'supertest';
import { Ticket } from '../../src/models/ticket';
import {
  asEventData,
  createTicket,
  newObjectId,
  startTicketsTest,
  storedTicketEvents,
  type TicketBody,
  type TicketsTestContext,
} from '../setup';

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

async function createOwnedTicket(): Promise<{ ticket: TicketBody; owner: string[] }> {
  const owner = signin({ id: newObjectId() });
  const ticket = await createTicket(context.app, { title: 'Concert', price: 20 }, owner);
  return { ticket, owner };
}

function edit(id: string, cookie: string[], body: object) {
  return request(context.app).put(`/api/tickets/${id}`).set('Cookie', cookie).send(body);
}

describe('PUT /api/tickets/:id', () => {
  it('lets the owner change title and price, bumps the version and publishes ticket.updated', async () => {
    const { ticket, owner } = await createOwnedTicket();

    const response = await edit(ticket.id, owner, { title: '  Opera  ', price: '35.5' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ...ticket, title: 'Opera', price: 35.5, version: 1 });
    expect(asEventData(response.body)).toEqual({ ...asEventData(ticket), title: 'Opera', price: 35.5, version: 1 });
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'Opera', price: 35.5, version: 1 });

    const events = await storedTicketEvents(context.env.bus, ticket.id);
    expect(events.map((event) => [event.subject, event.data.version])).toEqual([
      ['ticket.created', 0],
      ['ticket.updated', 1],
    ]);
    expect(events[1].data).toEqual({
      id: ticket.id,
      version: 1,
      title: 'Opera',
      price: 35.5,
      userId: ticket.userId,
      status: 'available',
    });
  });

  it('accepts the version the edit is based on when it is the current one', async () => {
    const { ticket, owner } = await createOwnedTicket();
    const response = await edit(ticket.id, owner, { title: 'Opera', price: 30, version: 0 });
    expect(response.status).toBe(200);
    expect(response.body.version).toBe(1);
  });

  it('answers 409 for an edit based on an older version, keeping the newer one', async () => {
    const { ticket, owner } = await createOwnedTicket();
    await edit(ticket.id, owner, { title: 'First edit', price: 30 }).expect(200);

    const stale = await edit(ticket.id, owner, { title: 'Stale edit', price: 40, version: 0 });
    expect(stale.status).toBe(409);
    expect(stale.body).toEqual({ errors: [{ message: expect.stringContaining('changed') }] });
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'First edit', price: 30, version: 1 });
    expect(await storedTicketEvents(context.env.bus, ticket.id)).toHaveLength(2);
  });

  it('an edit that changes nothing keeps the version and publishes nothing', async () => {
    const { ticket, owner } = await createOwnedTicket();
    const response = await edit(ticket.id, owner, { title: ticket.title, price: ticket.price });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(ticket);
    expect(await storedTicketEvents(context.env.bus, ticket.id)).toHaveLength(1);
  });

  it('answers 401 when signed out', async () => {
    const { ticket } = await createOwnedTicket();
    const response = await request(context.app).put(`/api/tickets/${ticket.id}`).send({ title: 'Mine now', price: 1 });
    expect(response.status).toBe(401);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'Concert', version: 0 });
  });

  it('answers 403 to another user and changes nothing', async () => {
    const { ticket } = await createOwnedTicket();
    const response = await edit(ticket.id, signin(), { title: 'Mine now', price: 1 });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ errors: [{ message: 'This ticket belongs to another user' }] });
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'Concert', price: 20, version: 0 });
    expect(await storedTicketEvents(context.env.bus, ticket.id)).toHaveLength(1);
  });

  it.each([
    [
      TicketStatus.Reserved,
      'This ticket is reserved by an order: you can change it again if the order ends without payment',
    ],
    [TicketStatus.Sold, 'This ticket is sold: it can no longer be changed'],
    [TicketStatus.Withdrawn, 'This ticket was withdrawn: it can no longer be changed'],
  ])('answers 400 while the ticket is %s, saying why', async (status, message) => {
    const { ticket, owner } = await createOwnedTicket();
    await Ticket.updateOne({ _id: ticket.id }, { $set: { status, orderId: newObjectId() } });

    const response = await edit(ticket.id, owner, { title: 'Changed', price: 99 });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message }] });
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'Concert', price: 20, version: 0 });
  });

  it('stores an edited title in NFC', async () => {
    const { ticket, owner } = await createOwnedTicket();
    const response = await edit(ticket.id, owner, { title: 'Ope\u0301ra', price: 20 });
    expect(response.status).toBe(200);
    expect(response.body.title).toBe('Opéra');
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'Opéra', version: 1 });
  });

  it('answers 404 for an unknown ticket and for a malformed id', async () => {
    const cookie = signin();
    await edit(newObjectId(), cookie, { title: 'X', price: 1 }).expect(404);
    await edit(newObjectId(), cookie, { title: 'X', price: 1, version: 0 }).expect(404);
    await edit('not-an-id', cookie, { title: 'X', price: 1 }).expect(404);
  });

  it.each([
    ['missing title', { price: 10 }],
    ['blank title', { title: '   ', price: 10 }],
    ['title of only zero-width characters', { title: '\u200b\u200b', price: 10 }],
    ['title with NUL', { title: 'Opera\u0000', price: 10 }],
    ['title with a right-to-left override', { title: 'Opera \u202eaz', price: 10 }],
    ['title too long', { title: 'x'.repeat(201), price: 10 }],
    ['NoSQL-injection shaped title', { title: { $ne: null }, price: 10 }],
    ['missing price', { title: 'Opera' }],
    ['negative price', { title: 'Opera', price: -1 }],
    ['three decimals', { title: 'Opera', price: 1.005 }],
    ['above the maximum', { title: 'Opera', price: 2_000_000 }],
    ['NoSQL-injection shaped price', { title: 'Opera', price: { $gt: 0 } }],
    ['version not an integer', { title: 'Opera', price: 10, version: 0.5 }],
    ['negative version', { title: 'Opera', price: 10, version: -1 }],
    ['version as a string', { title: 'Opera', price: 10, version: '0' }],
    ['NoSQL-injection shaped version', { title: 'Opera', price: 10, version: { $gte: 0 } }],
  ])('answers 400 for %s and changes nothing', async (_case, body) => {
    const { ticket, owner } = await createOwnedTicket();
    const response = await edit(ticket.id, owner, body);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ message: expect.any(String), field: expect.any(String) }]);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'Concert', price: 20, version: 0 });
  });

  it('refuses an edit of owner, status or reservation, naming the fields, and changes nothing', async () => {
    const { ticket, owner } = await createOwnedTicket();
    const response = await edit(ticket.id, owner, {
      title: 'Opera',
      price: 30,
      userId: newObjectId(),
      status: 'available',
      orderId: newObjectId(),
    });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual([
      'userId',
      'status',
      'orderId',
    ]);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'Concert', version: 0 });
  });
});

describe('PUT /api/tickets/:id, two edits at the same time', () => {
  it('based on the same version: exactly one wins, the other gets 409 and can retry', async () => {
    const { ticket, owner } = await createOwnedTicket();
    const edits = [
      { title: 'Edit A', price: 30, version: 0 },
      { title: 'Edit B', price: 40, version: 0 },
    ];

    const responses = await Promise.all(edits.map((body) => edit(ticket.id, owner, body)));

    expect(responses.map((response) => response.status).sort()).toEqual([200, 409]);
    const winner = responses.find((response) => response.status === 200)!;
    const loser = responses.find((response) => response.status === 409)!;
    expect(loser.body).toEqual({ errors: [{ message: expect.stringContaining('changed') }] });
    const winningEdit = edits[responses.indexOf(winner)];
    expect(winner.body).toEqual({ ...ticket, title: winningEdit.title, price: winningEdit.price, version: 1 });
    const stored = await request(context.app).get(`/api/tickets/${ticket.id}`);
    expect(stored.body).toEqual(winner.body);
    const updates = (await storedTicketEvents(context.env.bus, ticket.id)).filter(
      (event) => event.subject === 'ticket.updated',
    );
    expect(updates.map((event) => event.data)).toEqual([asEventData(winner.body)]);

    const losingEdit = edits[responses.indexOf(loser)];
    const retry = await edit(ticket.id, owner, { ...losingEdit, version: 1 });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ title: losingEdit.title, price: losingEdit.price, version: 2 });
  });

  it('without versions: every edit that succeeds is its own version with its own event, none is lost', async () => {
    const { ticket, owner } = await createOwnedTicket();
    const edits = ['A', 'B', 'C', 'D'].map((name, index) => ({ title: `Edit ${name}`, price: 30 + index }));

    const responses = await Promise.all(edits.map((body) => edit(ticket.id, owner, body)));

    for (const response of responses) expect([200, 409]).toContain(response.status);
    const successes = responses.filter((response) => response.status === 200);
    expect(successes.length).toBeGreaterThanOrEqual(1);
    // Each success produced a distinct version, and the stored ticket is the last of them.
    const versions = successes.map((response) => response.body.version as number).sort();
    expect(versions).toEqual(Array.from({ length: successes.length }, (_, index) => index + 1));
    const latest = successes.find((response) => response.body.version === successes.length)!;
    const stored = await request(context.app).get(`/api/tickets/${ticket.id}`);
    expect(stored.body).toEqual(latest.body);
    const updates = (await storedTicketEvents(context.env.bus, ticket.id)).filter(
      (event) => event.subject === 'ticket.updated',
    );
    expect(updates.map((event) => event.data)).toEqual(
      [...successes].sort((a, b) => a.body.version - b.body.version).map((response) => asEventData(response.body)),
    );
  });
});
