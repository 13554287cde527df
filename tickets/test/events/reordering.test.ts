import { Subjects, TicketStatus, type EventData } from '@ticketing/common';
import { createMemoryLogger, shuffled } from '@ticketing/common/testing';
import { Ticket } from '../../src/models/ticket';
import {
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

type OrderEvent =
  | { subject: Subjects.OrderCreated; data: EventData<Subjects.OrderCreated> }
  | { subject: Subjects.OrderCancelled; data: EventData<Subjects.OrderCancelled> }
  | { subject: Subjects.OrderCompleted; data: EventData<Subjects.OrderCompleted> };

/**
 * The events of one ticket's life as the orders service publishes them: orders one after the other,
 * each cancelled before the next is created, the last one left live or paid.
 */
function ticketLife(
  ticket: TicketBody,
  orders: number,
  lastPaid: boolean,
): { events: OrderEvent[]; lastOrderId: string } {
  const events: OrderEvent[] = [];
  let orderId = '';
  for (let index = 0; index < orders; index += 1) {
    orderId = newObjectId();
    events.push({ subject: Subjects.OrderCreated, data: orderCreatedData(ticket, orderId) });
    if (index < orders - 1) {
      events.push({ subject: Subjects.OrderCancelled, data: orderCancelledData(ticket.id, orderId) });
    }
  }
  if (lastPaid) events.push({ subject: Subjects.OrderCompleted, data: orderCompletedData(ticket, orderId) });
  return { events, lastOrderId: orderId };
}

async function publishAll(events: OrderEvent[]): Promise<void> {
  for (const event of events) {
    await publishEvent(context.env.bus, event.subject, event.data as never);
  }
}

describe('order events in any order', () => {
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8];

  it.each(seeds)('converge to the in-order state: a ticket whose last order is paid (seed %i)', async (seed) => {
    const ticket = await createTicket(context.app);
    const { events, lastOrderId } = ticketLife(ticket, 3, true);
    await publishAll(shuffled(events, seed));
    await listeners.caughtUp();

    const stored = (await Ticket.findById(ticket.id))!;
    expect({ status: stored.status, orderId: stored.orderId }).toEqual({
      status: TicketStatus.Sold,
      orderId: lastOrderId,
    });
    const published = await storedTicketEvents(context.env.bus, ticket.id);
    expect(published[published.length - 1].data).toEqual(stored.eventData());
  });

  it.each(seeds)('converge to the in-order state: a ticket whose last order is live (seed %i)', async (seed) => {
    const ticket = await createTicket(context.app);
    const { events, lastOrderId } = ticketLife(ticket, 3, false);
    await publishAll(shuffled(events, seed));
    await listeners.caughtUp();

    const stored = (await Ticket.findById(ticket.id))!;
    expect({ status: stored.status, orderId: stored.orderId }).toEqual({
      status: TicketStatus.Reserved,
      orderId: lastOrderId,
    });
    const published = await storedTicketEvents(context.env.bus, ticket.id);
    expect(published[published.length - 1].data).toEqual(stored.eventData());
  });

  it('dead-lettered nothing', () => {
    expect(logger.entries.filter((entry) => entry.msg === 'event dead-lettered')).toEqual([]);
  });
});
