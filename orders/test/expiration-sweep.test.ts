import { OrderCancelReason, OrderStatus, Subjects } from '@ticketing/common';
import { createMemoryLogger, waitFor, waitForEvent } from '@ticketing/common/testing';
import { startExpirationSweep, sweepOverdueOrders } from '../src/expiration-sweep';
import { Order } from '../src/models/order';
import { insertOrder, recordedEvents, startOrdersTestEnvironment, type OrdersTestEnvironment } from './setup';

let env: OrdersTestEnvironment;
const logger = createMemoryLogger();

beforeAll(async () => {
  env = await startOrdersTestEnvironment();
});
beforeEach(() => env.clearDatabase());
afterAll(() => env.stop());

const now = new Date();
const secondsAgo = (seconds: number) => new Date(now.getTime() - seconds * 1000);

const sweep = () => sweepOverdueOrders({ outbox: env.outbox, logger, graceSeconds: 30, now });

describe('sweepOverdueOrders', () => {
  it('cancels live orders more than the grace period past expiry and publishes order.cancelled', async () => {
    const created = await insertOrder(OrderStatus.Created, { expiresAt: secondsAgo(31) });
    const longOverdue = await insertOrder(OrderStatus.Created, { expiresAt: secondsAgo(600) });

    expect(await sweep()).toBe(2);

    for (const order of [created, longOverdue]) {
      expect(await Order.findById(order.id)).toMatchObject({
        status: OrderStatus.Cancelled,
        cancelReason: OrderCancelReason.Expired,
        version: 1,
      });
    }
    const { data } = await waitForEvent(env.bus, Subjects.OrderCancelled, {
      match: (event) => event.id === created.id,
    });
    expect(data).toEqual({
      id: created.id,
      version: 1,
      reason: OrderCancelReason.Expired,
      ticket: { id: String(created.ticket) },
    });
  });

  it('leaves orders within the grace period, complete and cancelled orders alone', async () => {
    const recent = await insertOrder(OrderStatus.Created, { expiresAt: secondsAgo(29) });
    const notDue = await insertOrder(OrderStatus.Created, { expiresAt: new Date(now.getTime() + 60_000) });
    const paid = await insertOrder(OrderStatus.Complete, { expiresAt: secondsAgo(600) });
    const cancelled = await insertOrder(OrderStatus.Cancelled, { expiresAt: secondsAgo(600) });

    expect(await sweep()).toBe(0);

    expect(await Order.findById(recent.id)).toMatchObject({ status: OrderStatus.Created, version: 0 });
    expect(await Order.findById(notDue.id)).toMatchObject({ status: OrderStatus.Created, version: 0 });
    expect(await Order.findById(paid.id)).toMatchObject({ status: OrderStatus.Complete, version: 0 });
    expect(await Order.findById(cancelled.id)).toMatchObject({ status: OrderStatus.Cancelled, version: 0 });
    expect(await recordedEvents(env.outbox, Subjects.OrderCancelled)).toHaveLength(0);
  });

  it('cancels and publishes each order once when several replicas sweep at the same time', async () => {
    const orders = await Promise.all(
      [1, 2, 3].map(() => insertOrder(OrderStatus.Created, { expiresAt: secondsAgo(120) })),
    );

    const counts = await Promise.all([sweep(), sweep(), sweep()]);

    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(3);
    for (const order of orders) {
      expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Cancelled, version: 1 });
      expect(await recordedEvents(env.outbox, Subjects.OrderCancelled, order.id)).toHaveLength(1);
    }
  });
});

describe('startExpirationSweep', () => {
  it('sweeps periodically until stopped', async () => {
    const overdue = await insertOrder(OrderStatus.Created, { expiresAt: new Date(Date.now() - 60_000) });
    const task = startExpirationSweep({ outbox: env.outbox, logger, graceSeconds: 30, intervalMs: 50 });
    try {
      await waitFor(async () => (await Order.findById(overdue.id))?.status === OrderStatus.Cancelled, {
        description: 'the sweep to cancel the overdue order',
      });
    } finally {
      await task.stop();
    }
    expect(logger.entries).toContainEqual(expect.objectContaining({ level: 'warn', obj: { orderId: overdue.id } }));
  });
});
