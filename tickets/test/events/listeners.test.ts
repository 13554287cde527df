import { Subjects, type DeadLetterRecord } from '@ticketing/common';
import { createMemoryLogger, waitFor, waitForEvent } from '@ticketing/common/testing';
import request from 'supertest';
import { Ticket } from '../../src/models/ticket';
import {
  createTicket,
  newObjectId,
  orderCancelledData,
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

async function storedTicket(id: string) {
  return (await Ticket.findById(id))!.toJSON();
}

async function updateEvents(ticketId: string) {
  const events = await storedTicketEvents(context.env.bus, ticketId);
  return events.filter((event) => event.subject === Subjects.TicketUpdated).map((event) => event.data);
}

async function reserve(ticket: TicketBody, orderId = newObjectId()): Promise<string> {
  await publishEvent(context.env.bus, Subjects.OrderCreated, orderCreatedData(ticket, orderId));
  await waitFor(async () => (await Ticket.findById(ticket.id))?.orderId === orderId, {
    description: 'the ticket to be reserved',
  });
  return orderId;
}

describe('OrderCreatedListener', () => {
  it('reserves the ticket, bumps its version and publishes ticket.updated with the orderId', async () => {
    const ticket = await createTicket(context.app);
    const orderId = await reserve(ticket);

    expect(await storedTicket(ticket.id)).toEqual({ ...ticket, orderId, version: 1 });
    const { data } = await waitForEvent(context.env.bus, Subjects.TicketUpdated, {
      match: (event) => event.id === ticket.id,
    });
    expect(data).toEqual({ ...ticket, orderId, version: 1 });
  });

  it('a redelivered order.created changes nothing and publishes nothing', async () => {
    const ticket = await createTicket(context.app);
    const event = orderCreatedData(ticket);
    await publishEvent(context.env.bus, Subjects.OrderCreated, event);
    await publishEvent(context.env.bus, Subjects.OrderCreated, event);
    await listeners.caughtUp();

    expect(await storedTicket(ticket.id)).toEqual({ ...ticket, orderId: event.id, version: 1 });
    expect(await updateEvents(ticket.id)).toEqual([{ ...ticket, orderId: event.id, version: 1 }]);
  });

  it('leaves a ticket reserved by another order to that order, logs it and acknowledges the event', async () => {
    const ticket = await createTicket(context.app);
    const firstOrderId = await reserve(ticket);
    const secondOrder = orderCreatedData(ticket);
    await publishEvent(context.env.bus, Subjects.OrderCreated, secondOrder);
    await listeners.caughtUp();

    expect(await storedTicket(ticket.id)).toEqual({ ...ticket, orderId: firstOrderId, version: 1 });
    expect(await updateEvents(ticket.id)).toHaveLength(1);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        obj: expect.objectContaining({ orderId: secondOrder.id, reservedBy: firstOrderId }),
      }),
    );
    expect(logger.entries.filter((entry) => entry.msg === 'event handler failed, redelivering later')).toEqual([]);
  });

  it('dead-letters an order for a ticket this service does not know, after retrying', async () => {
    const order = orderCreatedData({ id: newObjectId(), price: 10 });
    await publishEvent(context.env.bus, Subjects.OrderCreated, order);

    const { data } = await waitForEvent(context.env.bus, 'deadletter.order.created', {
      match: (record) => (record as DeadLetterRecord).payload.includes(order.id),
    });
    expect(data).toMatchObject({ reason: 'max-deliveries', deliveryCount: 3 });
    await listeners.caughtUp();
  });
});

describe('OrderCancelledListener', () => {
  it('releases the ticket held by the cancelled order, bumps its version and publishes ticket.updated', async () => {
    const ticket = await createTicket(context.app);
    const orderId = await reserve(ticket);
    await publishEvent(context.env.bus, Subjects.OrderCancelled, orderCancelledData(ticket.id, orderId));
    await waitFor(async () => !(await Ticket.findById(ticket.id))?.orderId, {
      description: 'the ticket to be released',
    });

    expect(await storedTicket(ticket.id)).toEqual({ ...ticket, version: 2 });
    const forSale = await request(context.app).get('/api/tickets');
    expect(forSale.body).toEqual([{ ...ticket, version: 2 }]);
    expect(await updateEvents(ticket.id)).toEqual([
      { ...ticket, orderId, version: 1 },
      { ...ticket, version: 2 },
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

    expect(await storedTicket(ticket.id)).toEqual({ ...ticket, orderId, version: 1 });
    expect(await updateEvents(ticket.id)).toHaveLength(1);
  });

  it('an order.created redelivered after its cancellation does not reserve the ticket again', async () => {
    const ticket = await createTicket(context.app);
    const creation = orderCreatedData(ticket);
    await reserve(ticket, creation.id);
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

    expect(await storedTicket(ticket.id)).toEqual({ ...ticket, version: 0 });
    expect(await updateEvents(ticket.id)).toEqual([]);

    const laterOrderId = await reserve(ticket);
    expect(await storedTicket(ticket.id)).toEqual({ ...ticket, orderId: laterOrderId, version: 1 });
  });
});
