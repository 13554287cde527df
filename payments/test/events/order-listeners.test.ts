import {
  EventTooEarlyError,
  OrderCancelReason,
  OrderStatus,
  Publisher,
  Subjects,
  type OrderCancelledEvent,
  type OrderCreatedEvent,
} from '@ticketing/common';
import { signin, waitFor, waitForEvent } from '@ticketing/common/testing';
import mongoose from 'mongoose';
import request from 'supertest';
import { OrderCancelledListener } from '../../src/events/listeners/order-cancelled-listener';
import { OrderCreatedListener } from '../../src/events/listeners/order-created-listener';
import { Order } from '../../src/models/order';
import { startPaymentsTestContext, type PaymentsTestContext } from '../setup';

class OrderCreatedPublisher extends Publisher<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
}

class OrderCancelledPublisher extends Publisher<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;
}

let ctx: PaymentsTestContext;
let createdListener: OrderCreatedListener;
let cancelledListener: OrderCancelledListener;

beforeAll(async () => {
  ctx = await startPaymentsTestContext();
  createdListener = new OrderCreatedListener(ctx.env.bus, { serviceName: 'payments', retryDelayMs: 100 });
  cancelledListener = new OrderCancelledListener(
    ctx.env.bus,
    { serviceName: 'payments', retryDelayMs: 100 },
    ctx.payments,
  );
});

afterAll(async () => {
  await Promise.all([createdListener.stop(), cancelledListener.stop()]);
  await ctx.stop();
});

beforeEach(async () => {
  await ctx.reset();
});

function orderCreated(overrides: Partial<OrderCreatedEvent['data']> = {}): OrderCreatedEvent['data'] {
  return {
    id: new mongoose.Types.ObjectId().toHexString(),
    version: 0,
    status: OrderStatus.Created,
    userId: new mongoose.Types.ObjectId().toHexString(),
    expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
    ticket: { id: new mongoose.Types.ObjectId().toHexString(), price: 19.99 },
    ...overrides,
  };
}

const cancelled = (created: OrderCreatedEvent['data'], version = 1): OrderCancelledEvent['data'] => ({
  id: created.id,
  version,
  reason: OrderCancelReason.Expired,
  ticket: { id: created.ticket.id },
});

describe('handlers', () => {
  it('order.created stores the copy; a redelivery changes nothing', async () => {
    const data = orderCreated();
    await createdListener.onMessage(data);
    await cancelledListener.onMessage(cancelled(data));
    await createdListener.onMessage(data);
    expect(await Order.findById(data.id).lean()).toMatchObject({
      userId: data.userId,
      price: 19.99,
      status: OrderStatus.Cancelled,
      version: 1,
      expiresAt: new Date(data.expiresAt),
    });
    expect(await Order.countDocuments()).toBe(1);
  });

  it('order.cancelled before order.created is too early, then applies', async () => {
    const data = orderCreated();
    await expect(cancelledListener.onMessage(cancelled(data))).rejects.toBeInstanceOf(EventTooEarlyError);
    await createdListener.onMessage(data);
    await cancelledListener.onMessage(cancelled(data));
    expect(await Order.findById(data.id).lean()).toMatchObject({ status: OrderStatus.Cancelled, version: 1 });
  });

  it('order.cancelled with a version gap is too early; a redelivered one is a no-op', async () => {
    const data = orderCreated();
    await createdListener.onMessage(data);
    await expect(cancelledListener.onMessage(cancelled(data, 2))).rejects.toBeInstanceOf(EventTooEarlyError);
    expect((await Order.findById(data.id).lean())!.status).toBe(OrderStatus.Created);
    await cancelledListener.onMessage(cancelled(data, 1));
    await cancelledListener.onMessage(cancelled(data, 1));
    expect(await Order.findById(data.id).lean()).toMatchObject({ status: OrderStatus.Cancelled, version: 1 });
  });
});

it('over NATS: an order created then cancelled can be paid only before the cancellation', async () => {
  await createdListener.listen();
  await cancelledListener.listen();
  const payable = orderCreated({ ticket: { id: new mongoose.Types.ObjectId().toHexString(), price: 12.34 } });
  const doomed = orderCreated();
  await new OrderCreatedPublisher(ctx.env.bus).publish(payable);
  await new OrderCreatedPublisher(ctx.env.bus).publish(doomed);
  await new OrderCancelledPublisher(ctx.env.bus).publish(cancelled(doomed));
  await waitFor(() => Order.findById(payable.id), { description: 'order copy from order.created' });
  await waitFor(async () => (await Order.findById(doomed.id))?.isCancelled(), { description: 'cancelled copy' });

  const paid = await request(ctx.app)
    .post('/api/payments')
    .set('Cookie', signin({ id: payable.userId }))
    .send({ orderId: payable.id, paymentMethod: 'pm_card_visa' })
    .expect(201);
  const { data } = await waitForEvent(ctx.env.bus, Subjects.PaymentCreated, { match: (e) => e.orderId === payable.id });
  expect(data.id).toBe(paid.body.id);
  expect(ctx.fake.paymentIntents.find((intent) => intent.metadata.orderId === payable.id)!.amount).toBe(1234);

  await request(ctx.app)
    .post('/api/payments')
    .set('Cookie', signin({ id: doomed.userId }))
    .send({ orderId: doomed.id, paymentMethod: 'pm_card_visa' })
    .expect(400);
});
