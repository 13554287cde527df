import { OrderCancelReason, OrderStatus, Subjects, TicketStatus } from '@ticketing/common';
import { signin, waitForConsumer } from '@ticketing/common/testing';
import request from 'supertest';
import { TicketUpdatedListener } from '../../src/events/listeners/ticket-updated-listener';
import { Order } from '../../src/models/order';
import {
  buildApp,
  insertTicket,
  listenerOptions,
  publishEvent,
  startOrdersTestEnvironment,
  type OrdersTestEnvironment,
} from '../setup';

let env: OrdersTestEnvironment;
let listener: TicketUpdatedListener;
let app: ReturnType<typeof buildApp>;

beforeAll(async () => {
  env = await startOrdersTestEnvironment();
  listener = new TicketUpdatedListener(env.bus, listenerOptions, env.outbox);
  await listener.listen();
  app = buildApp(env.outbox);
});
afterAll(async () => {
  await listener.stop();
  await env.stop();
});

it('an order placed while its ticket’s withdrawal arrives is refused or cancelled, never left live', async () => {
  const outcomes = { refused: 0, cancelled: 0 };
  for (let round = 0; round < 20; round += 1) {
    const ticket = await insertTicket();
    const withdrawal = { ...ticket, version: 1, status: TicketStatus.Withdrawn };

    const [ordering] = await Promise.all([
      request(app).post('/api/orders').set('Cookie', signin()).send({ ticketId: ticket.id }),
      publishEvent(env.bus, Subjects.TicketUpdated, withdrawal),
    ]);
    await waitForConsumer(env.bus, listener.durableName);

    if (ordering.status === 400) {
      expect(ordering.body).toEqual({
        errors: [
          { message: 'This ticket was withdrawn by its seller: it can no longer be ordered', field: 'ticketId' },
        ],
      });
      outcomes.refused += 1;
    } else {
      expect(ordering.status).toBe(201);
      expect(await Order.findById(ordering.body.id)).toMatchObject({
        status: OrderStatus.Cancelled,
        cancelReason: OrderCancelReason.TicketWithdrawn,
      });
      outcomes.cancelled += 1;
    }
    expect(await Order.countDocuments({ ticket: ticket.id, status: OrderStatus.Created })).toBe(0);
  }
  expect(outcomes.refused + outcomes.cancelled).toBe(20);
}, 60_000);
