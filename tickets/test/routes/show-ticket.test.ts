import request from 'supertest';
import { Ticket } from '../../src/models/ticket';
import { createTicket, newObjectId, startTicketsTest, type TicketsTestContext } from '../setup';

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

describe('GET /api/tickets/:id', () => {
  it('returns the ticket to anyone, signed in or not', async () => {
    const ticket = await createTicket(context.app, { title: 'Opera', price: 55.25 });
    const response = await request(context.app).get(`/api/tickets/${ticket.id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual(ticket);
  });

  it('shows a reserved ticket with its orderId and no internal fields', async () => {
    const ticket = await createTicket(context.app);
    const orderId = newObjectId();
    await Ticket.updateOne({ _id: ticket.id }, { $set: { orderId }, $inc: { version: 1 } });

    const response = await request(context.app).get(`/api/tickets/${ticket.id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ...ticket, version: 1, orderId });
  });

  it('answers 404 for an unknown id', async () => {
    const response = await request(context.app).get(`/api/tickets/${newObjectId()}`);
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ errors: [{ message: 'Ticket not found' }] });
  });

  it.each(['not-an-id', '123', 'zzzzzzzzzzzzzzzzzzzzzzzz', `${newObjectId()}0`, '%24ne'])(
    'answers 404, never 500, for the malformed id %s',
    async (id) => {
      const response = await request(context.app).get(`/api/tickets/${id}`);
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ errors: [{ message: 'Ticket not found' }] });
    },
  );
});
