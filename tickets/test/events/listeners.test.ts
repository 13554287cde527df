import { Subjects, TicketStatus, type DeadLetterRecord } from '@ticketing/common';
import { createMemoryLogger, signin, waitFor, waitForEvent } from '@ticketing/common/testing';
import request from 'supertest';
import { Ticket } from '../../src/models/ticket';
import {
  asEventData,
  createTicket,
  newObjectId,
  orderCancelledData,
  orderCompletedData,
  orderCreatedData,
  publishEvent,
  startTicketListeners,
  startTicketsTest,
  storedTicketEvents,
  type RunningListeners,
  type TicketBody,
  type TicketsTestContext,
} from '../setup';

let context: TicketsTestContext;
let listeners: RunningListeners;
const logger = createMemoryLogger();

beforeAll(async () => {
  context = await startTicketsTest();
  listeners = await startTicketListeners(context, logger);
});

afterAll(async () => {
  await listeners.stop();
  await context.env.stop();
});

beforeEach(async () => {
  await context.env.clearDatabase();
  logger.entries.length = 0;
});

async function storedTicket(id: string): Promise<TicketBody> {
  return (await Ticket.findById(id))!.toJSON() as unknown as TicketBody;
}

async function updateEvents(ticketId: string) {
  const events = await storedTicketEvents(context.env.bus, ticketId);
  return events.filter((event) => event.subject === Subjects.TicketUpdated).map((event) => event.data);
}

async function reserve(ticket: TicketBody, order = orderCreatedData(ticket)): Promise<string> {
  await publishEvent(context.env.bus, Subjects.OrderCreated, order);
  await waitFor(async () => (await Ticket.findById(ticket.id))?.orderId === order.id, {
    description: 'the ticket to be reserved',
  });
  return order.id;
}

async function withdraw(ticket: TicketBody, seller: string[]): Promise<void> {
  await request(context.app).delete(`/api/tickets/${ticket.id}`).set('Cookie', seller).expect(204);
}

const failures = () => logger.entries.filter((entry) => entry.msg === 'event handler failed, redelivering later');

describe('OrderCreatedListener', () => {
  it('reserves the ticket until the order expires, bumps its version and publishes ticket.updated', async () => {
    const ticket = await createTicket(context.app);
    const order = orderCreatedData(ticket);
    await reserve(ticket, order);

    const reserved = { ...ticket, status: TicketStatus.Reserved, orderId: order.id, version: 1 };
    expect(await storedTicket(ticket.id)).toEqual({ ...reserved, reservedUntil: order.expiresAt });
    const { data } = await waitForEvent(context.env.bus, Subjects.TicketUpdated, {
      match: (event) => event.id === ticket.id,
    });
    expect(data).toEqual(asEventData(reserved));
  });

  it('a redelivered order.created changes nothing and publishes nothing', async () => {
    const ticket = await createTicket(context.app);
    const event = orderCreatedData(ticket);
    await publishEvent(context.env.bus, Subjects.OrderCreated, event);
    await publishEvent(context.env.bus, Subjects.OrderCreated, event);
    await listeners.caughtUp();

    expect(await storedTicket(ticket.id)).toMatchObject({ orderId: event.id, version: 1 });
    expect(await updateEvents(ticket.id)).toHaveLength(1);
  });

  it('waits while another order holds the ticket, and reserves it once that order is cancelled', async () => {
    const ticket = await createTicket(context.app);
    const firstOrderId = await reserve(ticket);
    const secondOrder = orderCreatedData(ticket);
    await publishEvent(context.env.bus, Subjects.OrderCreated, secondOrder);
    await waitFor(() => logger.entries.some((entry) => entry.msg === 'event too early, redelivering later'), {
      description: 'the second order to be found early',
    });
    expect(await storedTicket(ticket.id)).toMatchObject({ orderId: firstOrderId, version: 1 });

    await publishEvent(context.env.bus, Subjects.OrderCancelled, orderCancelledData(ticket.id, firstOrderId));
    await listeners.caughtUp();

    expect(await storedTicket(ticket.id)).toMatchObject({
      status: TicketStatus.Reserved,
      orderId: secondOrder.id,
      version: 3,
    });
    expect((await updateEvents(ticket.id)).map((event) => [event.version, event.status, event.orderId])).toEqual([
      [1, TicketStatus.Reserved, firstOrderId],
      [2, TicketStatus.Available, undefined],
      [3, TicketStatus.Reserved, secondOrder.id],
    ]);
    expect(failures()).toEqual([]);
  });

  it.each([
    ['withdrawn', TicketStatus.Withdrawn],
    ['sold', TicketStatus.Sold],
  ])('never reserves a %s ticket, and acknowledges the order', async (_state, status) => {
    const seller = signin({ id: newObjectId() });
    const ticket = await createTicket(context.app, {}, seller);
    if (status === TicketStatus.Withdrawn) {
      await withdraw(ticket, seller);
    } else {
      await publishEvent(context.env.bus, Subjects.OrderCompleted, orderCompletedData(ticket, newObjectId()));
      await listeners.caughtUp();
    }
    const before = await storedTicket(ticket.id);

    const order = orderCreatedData(ticket);
    await publishEvent(context.env.bus, Subjects.OrderCreated, order);
    await listeners.caughtUp();

    expect(await storedTicket(ticket.id)).toEqual(before);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', obj: expect.objectContaining({ orderId: order.id, status }) }),
    );
    expect(failures()).toEqual([]);
  });

  it('dead-letters an order for a ticket this service does not know, after retrying', async () => {
    const order = orderCreatedData({ id: newObjectId(), price: 10 });
    await publishEvent(context.env.bus, Subjects.OrderCreated, order);

    const { data } = await waitForEvent(context.env.bus, 'deadletter.order.created', {
      match: (record) => (record as DeadLetterRecord).payload.includes(order.id),
    });
    expect(data).toMatchObject({ reason: 'max-deliveries', deliveryCount: 5 });
    await listeners.caughtUp();
  });
});

describe('OrderCancelledListener', () => {
  it('puts the ticket held by the cancelled order back on sale, bumps its version and publishes ticket.updated', async () => {
    const ticket = await createTicket(context.app);
    const orderId = await reserve(ticket);
    await publishEvent(context.env.bus, Subjects.OrderCancelled, orderCancelledData(ticket.id, orderId));
    await waitFor(async () => !(await Ticket.findById(ticket.id))?.orderId, {
      description: 'the ticket to be released',
    });

    const forSale = { ...ticket, version: 2 };
    expect(await storedTicket(ticket.id)).toEqual(forSale);
    const list = await request(context.app).get('/api/tickets');
    expect(list.body).toEqual([forSale]);
    expect(await updateEvents(ticket.id)).toEqual([
      asEventData({ ...ticket, status: TicketStatus.Reserved, orderId, version: 1 }),
      asEventData(forSale),
    ]);
  });

  it('a redelivered order.cancelled changes nothing and publishes nothing', async () => {
    const ticket = await createTicket(context.app);
    const orderId = await reserve(ticket);
    const cancellation = orderCancelledData(ticket.id, orderId);
    await publishEvent(context.env.bus, Subjects.OrderCancelled, cancellation);
    await publishEvent(context.env.bus, Subjects.OrderCancelled, cancellation);
    await listeners.caughtUp();

    expect(await storedTicket(ticket.id)).toEqual({ ...ticket, version: 2 });
    expect(await updateEvents(ticket.id)).toHaveLength(2);
  });

  it('the cancellation of another order leaves the ticket reserved, with no new version or event', async () => {
    const ticket = await createTicket(context.app);
    const orderId = await reserve(ticket);
    await publishEvent(context.env.bus, Subjects.OrderCancelled, orderCancelledData(ticket.id, newObjectId()));
    await listeners.caughtUp();

    expect(await storedTicket(ticket.id)).toMatchObject({ status: TicketStatus.Reserved, orderId, version: 1 });
    expect(await updateEvents(ticket.id)).toHaveLength(1);
  });

  it('an order.created redelivered after its cancellation does not reserve the ticket again', async () => {
    const ticket = await createTicket(context.app);
    const creation = orderCreatedData(ticket);
    await reserve(ticket, creation);
    await publishEvent(context.env.bus, Subjects.OrderCancelled, orderCancelledData(ticket.id, creation.id));
    await listeners.caughtUp();
    await publishEvent(context.env.bus, Subjects.OrderCreated, creation);
    await listeners.caughtUp();

    expect(await storedTicket(ticket.id)).toEqual({ ...ticket, version: 2 });
    expect(await updateEvents(ticket.id)).toHaveLength(2);
  });

  it('an order cancelled before its order.created is handled never reserves the ticket', async () => {
    const ticket = await createTicket(context.app);
    const creation = orderCreatedData(ticket);
    await publishEvent(context.env.bus, Subjects.OrderCancelled, orderCancelledData(ticket.id, creation.id));
    await listeners.caughtUp();
    await publishEvent(context.env.bus, Subjects.OrderCreated, creation);
    await listeners.caughtUp();

    expect(await storedTicket(ticket.id)).toEqual(ticket);
    expect(await updateEvents(ticket.id)).toEqual([]);

    const laterOrderId = await reserve(ticket);
    expect(await storedTicket(ticket.id)).toMatchObject({ orderId: laterOrderId, version: 1 });
  });
});

describe('OrderCompletedListener', () => {
  it('marks the reserved ticket sold to the paid order and publishes ticket.updated', async () => {
    const ticket = await createTicket(context.app);
    const orderId = await reserve(ticket);
    await publishEvent(context.env.bus, Subjects.OrderCompleted, orderCompletedData(ticket, orderId));
    await listeners.caughtUp();

    const sold = { ...ticket, status: TicketStatus.Sold, orderId, version: 2 };
    expect(await storedTicket(ticket.id)).toEqual(sold);
    expect(await updateEvents(ticket.id)).toEqual([
      asEventData({ ...ticket, status: TicketStatus.Reserved, orderId, version: 1 }),
      asEventData(sold),
    ]);
    const forSale = await request(context.app).get('/api/tickets').expect(200);
    expect(forSale.body).toEqual([]);
  });

  it('a redelivered order.completed changes nothing and publishes nothing', async () => {
    const ticket = await createTicket(context.app);
    const orderId = await reserve(ticket);
    const completion = orderCompletedData(ticket, orderId);
    await publishEvent(context.env.bus, Subjects.OrderCompleted, completion);
    await publishEvent(context.env.bus, Subjects.OrderCompleted, completion);
    await listeners.caughtUp();

    expect(await storedTicket(ticket.id)).toMatchObject({ status: TicketStatus.Sold, version: 2 });
    expect(await updateEvents(ticket.id)).toHaveLength(2);
  });

  it('sells the ticket even when order.completed comes before order.created, which then changes nothing', async () => {
    const ticket = await createTicket(context.app);
    const creation = orderCreatedData(ticket);
    await publishEvent(context.env.bus, Subjects.OrderCompleted, orderCompletedData(ticket, creation.id));
    await listeners.caughtUp();
    await publishEvent(context.env.bus, Subjects.OrderCreated, creation);
    await listeners.caughtUp();

    expect(await storedTicket(ticket.id)).toEqual({
      ...ticket,
      status: TicketStatus.Sold,
      orderId: creation.id,
      version: 1,
    });
    expect(await updateEvents(ticket.id)).toHaveLength(1);
  });

  it('sells the ticket while an earlier order still holds it, and that order’s late cancellation changes nothing', async () => {
    const ticket = await createTicket(context.app);
    const earlierOrderId = await reserve(ticket);
    const paidOrderId = newObjectId();
    await publishEvent(context.env.bus, Subjects.OrderCompleted, orderCompletedData(ticket, paidOrderId));
    await listeners.caughtUp();
    await publishEvent(context.env.bus, Subjects.OrderCancelled, orderCancelledData(ticket.id, earlierOrderId));
    await publishEvent(context.env.bus, Subjects.OrderCreated, orderCreatedData(ticket, paidOrderId));
    await listeners.caughtUp();

    expect(await storedTicket(ticket.id)).toEqual({
      ...ticket,
      status: TicketStatus.Sold,
      orderId: paidOrderId,
      version: 2,
    });
    expect(await updateEvents(ticket.id)).toHaveLength(2);
    expect(failures()).toEqual([]);
  });

  it('a sold ticket is final: it cannot be edited or withdrawn by its seller', async () => {
    const seller = signin({ id: newObjectId() });
    const ticket = await createTicket(context.app, {}, seller);
    await publishEvent(context.env.bus, Subjects.OrderCompleted, orderCompletedData(ticket, newObjectId()));
    await listeners.caughtUp();

    const edit = await request(context.app)
      .put(`/api/tickets/${ticket.id}`)
      .set('Cookie', seller)
      .send({ title: 'Back on sale', price: 5 })
      .expect(400);
    expect(edit.body).toEqual({ errors: [{ message: 'This ticket is sold: it can no longer be changed' }] });
    const withdrawal = await request(context.app).delete(`/api/tickets/${ticket.id}`).set('Cookie', seller).expect(400);
    expect(withdrawal.body).toEqual({ errors: [{ message: 'This ticket is sold: it can no longer be changed' }] });
    expect(await storedTicket(ticket.id)).toMatchObject({ status: TicketStatus.Sold, version: 1 });
  });

  it('a paid order wins over a withdrawal made before this service learned of the order', async () => {
    const seller = signin({ id: newObjectId() });
    const ticket = await createTicket(context.app, {}, seller);
    await withdraw(ticket, seller);
    const orderId = newObjectId();
    await publishEvent(context.env.bus, Subjects.OrderCreated, orderCreatedData(ticket, orderId));
    await publishEvent(context.env.bus, Subjects.OrderCompleted, orderCompletedData(ticket, orderId));
    await listeners.caughtUp();

    expect(await storedTicket(ticket.id)).toMatchObject({ status: TicketStatus.Sold, orderId, version: 2 });
  });
});
