import { OrderStatus, Subjects } from '@ticketing/common';
import { waitFor, waitForEvent } from '@ticketing/common/testing';
import { ExpirationCompleteListener } from '../../src/events/listeners/expiration-complete-listener';
import { Order } from '../../src/models/order';
import {
  insertTicket,
  newId,
  publishEvent,
  recordedEvents,
  startOrdersTestEnvironment,
  waitForConsumerIdle,
  type OrdersTestEnvironment,
} from '../setup';

let env: OrdersTestEnvironment;
let listener: ExpirationCompleteListener;

beforeAll(async () => {
  env = await startOrdersTestEnvironment();
  listener = new ExpirationCompleteListener(env.bus, env.outbox);
  await listener.listen();
});
beforeEach(() => env.clearDatabase());
afterAll(async () => {
  await listener.stop();
  await env.stop();
});

async function insertOrder(status: OrderStatus) {
  const ticket = await insertTicket();
  return Order.create({ userId: newId(), status, expiresAt: new Date(), ticket: ticket.id });
}

describe('ExpirationCompleteListener', () => {
  it('cancels a live order and publishes order.cancelled once, even when redelivered', async () => {
    const order = await insertOrder(OrderStatus.Created);

    await publishEvent(env.bus, Subjects.ExpirationComplete, { orderId: order.id });
    const { data } = await waitForEvent(env.bus, Subjects.OrderCancelled, { match: (event) => event.id === order.id });
    expect(data).toEqual({ id: order.id, version: 1, ticket: { id: String(order.ticket) } });

    await publishEvent(env.bus, Subjects.ExpirationComplete, { orderId: order.id });
    await waitForConsumerIdle(env.bus, listener.durableName);

    const stored = await Order.findById(order.id);
    expect(stored).toMatchObject({ status: OrderStatus.Cancelled, version: 1 });
    expect(await recordedEvents(env.outbox, Subjects.OrderCancelled, order.id)).toHaveLength(1);
  });

  it('cancels an order awaiting payment', async () => {
    const order = await insertOrder(OrderStatus.AwaitingPayment);
    await publishEvent(env.bus, Subjects.ExpirationComplete, { orderId: order.id });
    await waitFor(async () => (await Order.findById(order.id))?.status === OrderStatus.Cancelled, {
      description: 'the order to be cancelled',
    });
  });

  it('leaves a paid order complete and publishes nothing', async () => {
    const order = await insertOrder(OrderStatus.Created);
    expect(await Order.complete(order.id)).toBe('completed');

    await publishEvent(env.bus, Subjects.ExpirationComplete, { orderId: order.id });
    await waitForConsumerIdle(env.bus, listener.durableName);

    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Complete, version: 1 });
    expect(await recordedEvents(env.outbox, Subjects.OrderCancelled)).toHaveLength(0);
  });

  it('acks an expiration for an unknown order', async () => {
    await publishEvent(env.bus, Subjects.ExpirationComplete, { orderId: newId() });
    await waitForConsumerIdle(env.bus, listener.durableName);
    expect(await recordedEvents(env.outbox, Subjects.OrderCancelled)).toHaveLength(0);
  });
});
