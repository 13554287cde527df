import { OrderStatus, Subjects } from '@ticketing/common';
import { signin } from '@ticketing/common/testing';
import request from 'supertest';
import { Order } from '../../src/models/order';
import {
  buildApp,
  insertTicket,
  recordedEvents,
  startOrdersTestEnvironment,
  type OrdersTestEnvironment,
} from '../setup';

let env: OrdersTestEnvironment;

beforeAll(async () => {
  env = await startOrdersTestEnvironment();
});
afterAll(() => env.stop());

it('lets exactly one of 50 concurrent buyers on two app instances reserve a ticket', async () => {
  // Two instances sharing the database stand for two replicas: no in-process lock can help them.
  const replicas = [buildApp(env.outbox), buildApp(env.outbox)];
  const ticket = await insertTicket();

  const responses = await Promise.all(
    Array.from({ length: 50 }, (_, buyer) =>
      request(replicas[buyer % 2])
        .post('/api/orders')
        .set('Cookie', signin())
        .send({ ticketId: ticket.id }),
    ),
  );

  const statuses = responses.map((res) => res.status);
  expect(statuses.filter((status) => status === 201)).toHaveLength(1);
  expect(statuses.filter((status) => status === 400)).toHaveLength(49);
  for (const res of responses.filter((r) => r.status === 400)) {
    expect(res.body).toEqual({
      errors: [{ message: 'This ticket is reserved by another order: try again later', field: 'ticketId' }],
    });
  }
  expect(await Order.countDocuments({ ticket: ticket.id, status: OrderStatus.Created })).toBe(1);
  expect(await recordedEvents(env.outbox, Subjects.OrderCreated)).toHaveLength(1);
}, 60_000);

it('refuses a buyer whose check saw the ticket free while another order reserved it (the unique index decides)', async () => {
  const ticket = await insertTicket();
  await request(buildApp(env.outbox))
    .post('/api/orders')
    .set('Cookie', signin())
    .send({ ticketId: ticket.id })
    .expect(201);
  const eventsBefore = (await recordedEvents(env.outbox, Subjects.OrderCreated)).length;
  // The second buyer's read ran before the first order was committed: it finds no reserving order.
  const staleRead = jest.spyOn(Order, 'holderOf').mockResolvedValueOnce(null);

  const res = await request(buildApp(env.outbox))
    .post('/api/orders')
    .set('Cookie', signin())
    .send({ ticketId: ticket.id })
    .expect(400);

  expect(staleRead).toHaveBeenCalledTimes(1);
  expect(res.body).toEqual({
    errors: [{ message: 'This ticket is reserved by another order: try again later', field: 'ticketId' }],
  });
  expect(await Order.countDocuments({ ticket: ticket.id })).toBe(1);
  expect(await recordedEvents(env.outbox, Subjects.OrderCreated)).toHaveLength(eventsBefore);
});
