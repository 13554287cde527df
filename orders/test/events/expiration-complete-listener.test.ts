import { OrderCancelReason, OrderStatus, Subjects } from '@ticketing/common';
import { waitForConsumer, waitForEvent } from '@ticketing/common/testing';
import { ExpirationCompleteListener } from '../../src/events/listeners/expiration-complete-listener';
import { Order } from '../../src/models/order';
import {
  insertOrder,
  listenerOptions,
  newId,
  orderPaymentOf,
  paymentCreatedData,
  publishEvent,
  recordedEvents,
  startOrdersTestEnvironment,
  type OrdersTestEnvironment,
} from '../setup';

let env: OrdersTestEnvironment;
let listener: ExpirationCompleteListener;

beforeAll(async () => {
  env = await startOrdersTestEnvironment();
  listener = new ExpirationCompleteListener(env.bus, listenerOptions, env.outbox);
  await listener.listen();
});
beforeEach(() => env.clearDatabase());
afterAll(async () => {
  await listener.stop();
  await env.stop();
});

describe('ExpirationCompleteListener', () => {
  it('cancels a live order as expired and publishes order.cancelled once, even when redelivered', async () => {
    const order = await insertOrder(OrderStatus.Created, { expiresAt: new Date() });

    await publishEvent(env.bus, Subjects.ExpirationComplete, { orderId: order.id });
    const { data } = await waitForEvent(env.bus, Subjects.OrderCancelled, { match: (event) => event.id === order.id });
    expect(data).toEqual({
      id: order.id,
      version: 1,
      reason: OrderCancelReason.Expired,
      ticket: { id: String(order.ticket) },
    });

    await publishEvent(env.bus, Subjects.ExpirationComplete, { orderId: order.id });
    await waitForConsumer(env.bus, listener.durableName);

    const stored = await Order.findById(order.id);
    expect(stored).toMatchObject({
      status: OrderStatus.Cancelled,
      cancelReason: OrderCancelReason.Expired,
      version: 1,
    });
    expect(await recordedEvents(env.outbox, Subjects.OrderCancelled, order.id)).toHaveLength(1);
  });

  it('leaves a paid order complete and publishes nothing', async () => {
    const order = await insertOrder(OrderStatus.Created);
    const payment = orderPaymentOf(paymentCreatedData(order.id));
    expect(await Order.complete(env.outbox, order.id, payment)).toBe('completed');

    await publishEvent(env.bus, Subjects.ExpirationComplete, { orderId: order.id });
    await waitForConsumer(env.bus, listener.durableName);

    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Complete, version: 1 });
    expect(await recordedEvents(env.outbox, Subjects.OrderCancelled)).toHaveLength(0);
  });

  it('keeps the buyer’s reason on an order the buyer cancelled first', async () => {
    const order = await insertOrder(OrderStatus.Created);
    await Order.cancel(env.outbox, order.id, OrderCancelReason.RequestedByBuyer);

    await publishEvent(env.bus, Subjects.ExpirationComplete, { orderId: order.id });
    await waitForConsumer(env.bus, listener.durableName);

    expect(await Order.findById(order.id)).toMatchObject({
      status: OrderStatus.Cancelled,
      cancelReason: OrderCancelReason.RequestedByBuyer,
      version: 1,
    });
  });

  it('acks an expiration for an unknown order', async () => {
    await publishEvent(env.bus, Subjects.ExpirationComplete, { orderId: newId() });
    await waitForConsumer(env.bus, listener.durableName);
    expect(await recordedEvents(env.outbox, Subjects.OrderCancelled)).toHaveLength(0);
  });
});
