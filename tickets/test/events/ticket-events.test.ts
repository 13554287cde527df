import { Subjects } from '@ticketing/common';
import { createMemoryLogger, signin, waitFor } from '@ticketing/common/testing';
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

beforeAll(async () => {
  context = await startTicketsTest();
  listeners = await startTicketListeners(context, createMemoryLogger());
});

afterAll(async () => {
  await listeners.stop();
  await context.env.stop();
});

async function currentTicket(id: string): Promise<TicketBody> {
  return (await request(context.app).get(`/api/tickets/${id}`).expect(200)).body as TicketBody;
}

it('every state change of a ticket is exactly one event carrying the new state and the next version', async () => {
  const owner = signin({ id: newObjectId() });
  // After each step: the ticket as the API shows it, which is what its latest event must say.
  const states: TicketBody[] = [];

  const created = await createTicket(context.app, { title: 'Concert', price: 20 }, owner);
  states.push(created);

  const edited = await request(context.app)
    .put(`/api/tickets/${created.id}`)
    .set('Cookie', owner)
    .send({ title: 'Concert (front row)', price: 45.5 })
    .expect(200);
  states.push(edited.body);

  const order = orderCreatedData(created);
  await publishEvent(context.env.bus, Subjects.OrderCreated, order);
  await publishEvent(context.env.bus, Subjects.OrderCreated, order);
  await waitFor(async () => (await Ticket.findById(created.id))?.orderId === order.id, { description: 'reservation' });
  await listeners.caughtUp();
  states.push(await currentTicket(created.id));

  // Refused while reserved, and an unrelated cancellation: no state change, so no event.
  await request(context.app)
    .put(`/api/tickets/${created.id}`)
    .set('Cookie', owner)
    .send({ title: 'Sneaky change', price: 1 })
    .expect(400);
  await publishEvent(context.env.bus, Subjects.OrderCancelled, orderCancelledData(created.id, newObjectId()));
  await listeners.caughtUp();

  await publishEvent(context.env.bus, Subjects.OrderCancelled, orderCancelledData(created.id, order.id));
  await publishEvent(context.env.bus, Subjects.OrderCancelled, orderCancelledData(created.id, order.id));
  await listeners.caughtUp();
  states.push(await currentTicket(created.id));

  const reEdited = await request(context.app)
    .put(`/api/tickets/${created.id}`)
    .set('Cookie', owner)
    .send({ title: 'Concert (front row)', price: 40, version: 3 })
    .expect(200);
  states.push(reEdited.body);

  const buyingOrder = orderCreatedData(reEdited.body);
  await publishEvent(context.env.bus, Subjects.OrderCreated, buyingOrder);
  await listeners.caughtUp();
  states.push(await currentTicket(created.id));
  await publishEvent(context.env.bus, Subjects.OrderCompleted, orderCompletedData(reEdited.body, buyingOrder.id));
  await publishEvent(context.env.bus, Subjects.OrderCompleted, orderCompletedData(reEdited.body, buyingOrder.id));
  await listeners.caughtUp();
  states.push(await currentTicket(created.id));

  expect(states.map((state) => [state.version, state.status, state.orderId])).toEqual([
    [0, 'available', undefined],
    [1, 'available', undefined],
    [2, 'reserved', order.id],
    [3, 'available', undefined],
    [4, 'available', undefined],
    [5, 'reserved', buyingOrder.id],
    [6, 'sold', buyingOrder.id],
  ]);
  const events = await storedTicketEvents(context.env.bus, created.id);
  expect(events).toEqual([
    { subject: Subjects.TicketCreated, data: asEventData(created) },
    ...states.slice(1).map((state) => ({ subject: Subjects.TicketUpdated, data: asEventData(state) })),
  ]);
});
