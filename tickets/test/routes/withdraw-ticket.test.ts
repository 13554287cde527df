import { Subjects, TicketStatus } from '@ticketing/common';
import { createMemoryLogger, signin } from '@ticketing/common/testing';
import request from 'supertest';
import { Ticket } from '../../src/models/ticket';
import {
  asEventData,
  createTicket,
  newObjectId,
  orderCreatedData,
  publishEvent,
  startTicketListeners,
  startTicketsTest,
  storedTicketEvents,
  type RunningListeners,
  type TicketsTestContext,
} from '../setup';

let context: TicketsTestContext;
let listeners: RunningListeners;

beforeAll(async () => {
  context = await startTicketsTest();
  listeners = await startTicketListeners(context, createMemoryLogger());
});

afterAll(async () => {
  await listeners.stop();
  await context.env.stop();
});

beforeEach(async () => {
  await context.env.clearDatabase();
});

function withdraw(id: string, cookie: string[]) {
  return request(context.app).delete(`/api/tickets/${id}`).set('Cookie', cookie);
}

describe('DELETE /api/tickets/:id', () => {
  it('withdraws the seller’s ticket for good: 204, gone from the list, shown withdrawn, published', async () => {
    const seller = signin({ id: newObjectId() });
    const ticket = await createTicket(context.app, {}, seller);

    await withdraw(ticket.id, seller).expect(204);

    const withdrawn = { ...ticket, status: TicketStatus.Withdrawn, version: 1 };
    expect((await request(context.app).get(`/api/tickets/${ticket.id}`).expect(200)).body).toEqual(withdrawn);
    expect((await request(context.app).get('/api/tickets').expect(200)).body).toEqual([]);
    const events = await storedTicketEvents(context.env.bus, ticket.id);
    expect(events.map((event) => event.subject)).toEqual([Subjects.TicketCreated, Subjects.TicketUpdated]);
    expect(events[1].data).toEqual(asEventData(withdrawn));
  });

  it('withdrawing twice answers 204 again and changes nothing more', async () => {
    const seller = signin({ id: newObjectId() });
    const ticket = await createTicket(context.app, {}, seller);
    await withdraw(ticket.id, seller).expect(204);
    await withdraw(ticket.id, seller).expect(204);

    expect(await Ticket.findById(ticket.id)).toMatchObject({ status: TicketStatus.Withdrawn, version: 1 });
    expect(await storedTicketEvents(context.env.bus, ticket.id)).toHaveLength(2);
  });

  it('a withdrawn ticket can no longer be edited', async () => {
    const seller = signin({ id: newObjectId() });
    const ticket = await createTicket(context.app, {}, seller);
    await withdraw(ticket.id, seller).expect(204);

    const edit = await request(context.app)
      .put(`/api/tickets/${ticket.id}`)
      .set('Cookie', seller)
      .send({ title: 'Back', price: 5 })
      .expect(400);
    expect(edit.body).toEqual({ errors: [{ message: 'This ticket was withdrawn: it can no longer be changed' }] });
  });

  it.each([
    [
      TicketStatus.Reserved,
      'This ticket is reserved by an order: you can change it again if the order ends without payment',
    ],
    [TicketStatus.Sold, 'This ticket is sold: it can no longer be changed'],
  ])('refuses to withdraw a %s ticket with 400 saying why', async (status, message) => {
    const seller = signin({ id: newObjectId() });
    const ticket = await createTicket(context.app, {}, seller);
    await Ticket.updateOne({ _id: ticket.id }, { $set: { status, orderId: newObjectId() } });

    const response = await withdraw(ticket.id, seller).expect(400);
    expect(response.body).toEqual({ errors: [{ message }] });
    expect(await Ticket.findById(ticket.id)).toMatchObject({ status, version: 0 });
  });

  it('answers 401 signed out, 403 to another user, 404 for unknown or malformed ids; nothing changes', async () => {
    const ticket = await createTicket(context.app);
    const signedOut = await request(context.app).delete(`/api/tickets/${ticket.id}`).expect(401);
    expect(signedOut.body).toEqual({ errors: [{ message: 'Sign in to do this' }] });
    const stranger = await withdraw(ticket.id, signin()).expect(403);
    expect(stranger.body).toEqual({ errors: [{ message: 'This ticket belongs to another user' }] });
    await withdraw(newObjectId(), signin()).expect(404);
    await withdraw('not-an-id', signin()).expect(404);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ status: TicketStatus.Available, version: 0 });
  });

  it('refuses a body with fields (400 naming them) and a non-JSON body (415)', async () => {
    const seller = signin({ id: newObjectId() });
    const ticket = await createTicket(context.app, {}, seller);
    const withField = await withdraw(ticket.id, seller).send({ reason: 'changed my mind' }).expect(400);
    expect(withField.body).toEqual({
      errors: [{ message: 'Unknown field reason: remove it from the request', field: 'reason' }],
    });
    await withdraw(ticket.id, seller).set('Content-Type', 'text/plain').send('please').expect(415);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ status: TicketStatus.Available });
  });

  it('raced by an order: exactly one wins, and the loser changes nothing', async () => {
    for (let round = 0; round < 10; round += 1) {
      const seller = signin({ id: newObjectId() });
      const ticket = await createTicket(context.app, {}, seller);
      const order = orderCreatedData(ticket);

      const [withdrawal] = await Promise.all([
        withdraw(ticket.id, seller),
        publishEvent(context.env.bus, Subjects.OrderCreated, order),
      ]);
      await listeners.caughtUp();

      const stored = (await Ticket.findById(ticket.id))!;
      if (withdrawal.status === 204) {
        expect({ status: stored.status, orderId: stored.orderId }).toEqual({
          status: TicketStatus.Withdrawn,
          orderId: undefined,
        });
      } else {
        expect(withdrawal.status).toBe(400);
        expect({ status: stored.status, orderId: stored.orderId }).toEqual({
          status: TicketStatus.Reserved,
          orderId: order.id,
        });
      }
      expect(stored.version).toBe(1);
      const events = await storedTicketEvents(context.env.bus, ticket.id);
      expect(events[events.length - 1].data).toEqual(stored.eventData());
    }
  });
});
