import { OrderCancelReason, OrderStatus, Subjects, TicketStatus } from '@ticketing/common';
import { waitFor, waitForConsumer, waitForEvent } from '@ticketing/common/testing';
import { TicketCreatedListener } from '../../src/events/listeners/ticket-created-listener';
import { TicketUpdatedListener } from '../../src/events/listeners/ticket-updated-listener';
import { Order } from '../../src/models/order';
import { Ticket } from '../../src/models/ticket';
import {
  insertOrder,
  listenerOptions,
  newId,
  publishEvent,
  recordedEvents,
  startOrdersTestEnvironment,
  type OrdersTestEnvironment,
} from '../setup';

let env: OrdersTestEnvironment;
let created: TicketCreatedListener;
let updated: TicketUpdatedListener;

beforeAll(async () => {
  env = await startOrdersTestEnvironment();
  created = new TicketCreatedListener(env.bus, listenerOptions);
  updated = new TicketUpdatedListener(env.bus, listenerOptions, env.outbox);
  await created.listen();
  await updated.listen();
});
beforeEach(() => env.clearDatabase());
afterAll(async () => {
  await created.stop();
  await updated.stop();
  await env.stop();
});

function ticketEvent(
  overrides: Partial<{
    id: string;
    version: number;
    title: string;
    price: number;
    userId: string;
    status: TicketStatus;
  }> = {},
) {
  return {
    id: newId(),
    version: 0,
    title: 'Concert',
    price: 20,
    userId: newId(),
    status: TicketStatus.Available,
    ...overrides,
  };
}

const storedTicket = async (id: string) => Ticket.findById(id).lean();

describe('TicketCreatedListener', () => {
  it('stores a copy of the ticket with its owner and status', async () => {
    const event = ticketEvent({ title: 'Jazz night', price: 12.5 });
    await publishEvent(env.bus, Subjects.TicketCreated, event);

    const ticket = await waitFor(() => storedTicket(event.id), { description: 'the ticket copy' });
    expect(ticket).toMatchObject({
      title: 'Jazz night',
      price: 12.5,
      userId: event.userId,
      status: TicketStatus.Available,
      version: 0,
    });
  });

  it('ignores a redelivered ticket.created', async () => {
    const event = ticketEvent({ title: 'Original' });
    await publishEvent(env.bus, Subjects.TicketCreated, event);
    await waitFor(() => storedTicket(event.id), { description: 'the ticket copy' });
    await Ticket.updateOne({ _id: event.id }, { $set: { title: 'Updated since', version: 1 } });

    await publishEvent(env.bus, Subjects.TicketCreated, event);
    await waitForConsumer(env.bus, created.durableName);

    expect(await Ticket.countDocuments({ _id: event.id })).toBe(1);
    expect(await storedTicket(event.id)).toMatchObject({ title: 'Updated since', version: 1 });
  });
});

describe('TicketUpdatedListener', () => {
  it('applies the next version', async () => {
    const event = ticketEvent();
    await publishEvent(env.bus, Subjects.TicketCreated, event);
    await waitFor(() => storedTicket(event.id), { description: 'the ticket copy' });

    const newOwner = newId();
    await publishEvent(env.bus, Subjects.TicketUpdated, {
      ...event,
      version: 1,
      title: 'Moved',
      price: 30,
      userId: newOwner,
      status: TicketStatus.Reserved,
      orderId: newId(),
    });

    await waitFor(async () => (await storedTicket(event.id))?.version === 1, { description: 'version 1' });
    expect(await storedTicket(event.id)).toMatchObject({
      title: 'Moved',
      price: 30,
      userId: newOwner,
      status: TicketStatus.Reserved,
    });
  });

  it('acks an older version as a duplicate without changing the copy', async () => {
    const event = ticketEvent();
    await publishEvent(env.bus, Subjects.TicketCreated, event);
    await publishEvent(env.bus, Subjects.TicketUpdated, { ...event, version: 1, title: 'Version 1' });
    await waitFor(async () => (await storedTicket(event.id))?.version === 1, { description: 'version 1' });

    await publishEvent(env.bus, Subjects.TicketUpdated, { ...event, version: 1, title: 'Stale repeat' });
    await publishEvent(env.bus, Subjects.TicketUpdated, { ...event, version: 0, title: 'Older still' });
    await waitForConsumer(env.bus, updated.durableName);

    expect(await storedTicket(event.id)).toMatchObject({ title: 'Version 1', version: 1 });
  });

  it('converges on the latest version when updates arrive out of order', async () => {
    const event = ticketEvent();
    // Updates first, newest first, then the creation: every gap is redelivered until it closes.
    await publishEvent(env.bus, Subjects.TicketUpdated, { ...event, version: 3, title: 'Version 3', price: 33 });
    await publishEvent(env.bus, Subjects.TicketUpdated, { ...event, version: 2, title: 'Version 2', price: 22 });
    await publishEvent(env.bus, Subjects.TicketUpdated, { ...event, version: 1, title: 'Version 1', price: 11 });
    await publishEvent(env.bus, Subjects.TicketCreated, event);

    await waitFor(async () => (await storedTicket(event.id))?.version === 3, {
      timeoutMs: 20_000,
      description: 'the copy to reach version 3',
    });
    expect(await storedTicket(event.id)).toMatchObject({ title: 'Version 3', price: 33 });
    await waitForConsumer(env.bus, updated.durableName);
    expect(await storedTicket(event.id)).toMatchObject({ title: 'Version 3', price: 33, version: 3 });
  });

  it('cancels a live order for a ticket that turns out withdrawn, once, leaving paid and ended orders alone', async () => {
    const live = await insertOrder(OrderStatus.Created);
    const ticketId = String(live.ticket);
    const copy = (await storedTicket(ticketId))!;
    const withdrawal = ticketEvent({ id: ticketId, version: 1, userId: copy.userId, status: TicketStatus.Withdrawn });

    await publishEvent(env.bus, Subjects.TicketUpdated, withdrawal);
    const { data } = await waitForEvent(env.bus, Subjects.OrderCancelled, { match: (event) => event.id === live.id });
    expect(data).toEqual({
      id: live.id,
      version: 1,
      reason: OrderCancelReason.TicketWithdrawn,
      ticket: { id: ticketId },
    });
    await publishEvent(env.bus, Subjects.TicketUpdated, withdrawal);
    await waitForConsumer(env.bus, updated.durableName);

    expect(await Order.findById(live.id)).toMatchObject({
      status: OrderStatus.Cancelled,
      cancelReason: OrderCancelReason.TicketWithdrawn,
      version: 1,
    });
    expect(await recordedEvents(env.outbox, Subjects.OrderCancelled, live.id)).toHaveLength(1);
    expect(await storedTicket(ticketId)).toMatchObject({ status: TicketStatus.Withdrawn, version: 1 });
  });

  it('does not cancel a paid order when its ticket is withdrawn', async () => {
    const paid = await insertOrder(OrderStatus.Complete);
    const ticketId = String(paid.ticket);
    const copy = (await storedTicket(ticketId))!;
    await publishEvent(
      env.bus,
      Subjects.TicketUpdated,
      ticketEvent({ id: ticketId, version: 1, userId: copy.userId, status: TicketStatus.Withdrawn }),
    );
    await waitForConsumer(env.bus, updated.durableName);

    expect(await Order.findById(paid.id)).toMatchObject({ status: OrderStatus.Complete, version: 0 });
    expect(await recordedEvents(env.outbox, Subjects.OrderCancelled)).toHaveLength(0);
  });
});
