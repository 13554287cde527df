import { OrderCancelReason, OrderStatus, PaymentStatus, Subjects } from '@ticketing/common';
import { createMemoryLogger, waitFor, waitForConsumer, waitForEvent } from '@ticketing/common/testing';
import { PaymentCreatedListener } from '../../src/events/listeners/payment-created-listener';
import { PaymentRefundedListener } from '../../src/events/listeners/payment-refunded-listener';
import { Order } from '../../src/models/order';
import {
  insertOrder,
  listenerOptions,
  newId,
  paymentCreatedData,
  publishEvent,
  recordedEvents,
  startOrdersTestEnvironment,
  type OrdersTestEnvironment,
} from '../setup';

let env: OrdersTestEnvironment;
let created: PaymentCreatedListener;
let refunded: PaymentRefundedListener;
const logger = createMemoryLogger();

beforeAll(async () => {
  env = await startOrdersTestEnvironment();
  const bus = { ...env.bus, logger };
  created = new PaymentCreatedListener(bus, { ...listenerOptions, maxDeliveries: 3 }, env.outbox);
  refunded = new PaymentRefundedListener(bus, listenerOptions);
  await created.listen();
  await refunded.listen();
});
beforeEach(async () => {
  await env.clearDatabase();
  logger.entries.length = 0;
});
afterAll(async () => {
  await created.stop();
  await refunded.stop();
  await env.stop();
});

function refundOf(payment: ReturnType<typeof paymentCreatedData>) {
  return {
    id: payment.id,
    orderId: payment.orderId,
    stripeId: payment.stripeId,
    amount: payment.amount,
    currency: payment.currency,
    refundedAt: new Date().toISOString(),
  };
}

describe('PaymentCreatedListener', () => {
  it('completes the order with its payment and publishes order.completed, once even when redelivered', async () => {
    const order = await insertOrder(OrderStatus.Created);
    const payment = paymentCreatedData(order.id);

    await publishEvent(env.bus, Subjects.PaymentCreated, payment);
    const { data } = await waitForEvent(env.bus, Subjects.OrderCompleted, { match: (event) => event.id === order.id });
    expect(data).toEqual({
      id: order.id,
      version: 1,
      userId: order.userId,
      ticket: { id: String(order.ticket), title: order.ticketTitle, price: order.price },
    });
    await publishEvent(env.bus, Subjects.PaymentCreated, payment);
    await waitForConsumer(env.bus, created.durableName);

    const stored = (await Order.findById(order.id))!.toJSON();
    expect(stored).toMatchObject({
      status: OrderStatus.Complete,
      version: 1,
      payment: {
        id: payment.id,
        amount: 20,
        currency: 'usd',
        card: { brand: 'visa', last4: '4242' },
        paidAt: new Date(payment.createdAt),
        status: PaymentStatus.Succeeded,
      },
    });
    expect(await recordedEvents(env.outbox, Subjects.OrderCompleted, order.id)).toHaveLength(1);
  });

  it('keeps a payment for a cancelled order on it, leaves it cancelled and publishes nothing', async () => {
    const order = await insertOrder(OrderStatus.Created);
    await Order.cancel(env.outbox, order.id, OrderCancelReason.Expired);
    const payment = paymentCreatedData(order.id);

    await publishEvent(env.bus, Subjects.PaymentCreated, payment);
    await publishEvent(env.bus, Subjects.PaymentCreated, payment);
    await waitForConsumer(env.bus, created.durableName);

    expect((await Order.findById(order.id))!.toJSON()).toMatchObject({
      status: OrderStatus.Cancelled,
      cancelReason: OrderCancelReason.Expired,
      version: 1,
      payment: { id: payment.id, status: PaymentStatus.Succeeded },
    });
    expect(await recordedEvents(env.outbox, Subjects.OrderCompleted)).toHaveLength(0);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', obj: expect.objectContaining({ orderId: order.id }) }),
    );
  });

  it('dead-letters a payment for an order this service does not know, after retrying', async () => {
    const payment = paymentCreatedData(newId());
    await publishEvent(env.bus, Subjects.PaymentCreated, payment);
    const { data } = await waitForEvent(env.bus, 'deadletter.payment.created', {
      match: (record) => (record as { payload: string }).payload.includes(payment.orderId),
    });
    expect(data).toMatchObject({ reason: 'max-deliveries' });
  });
});

describe('PaymentRefundedListener', () => {
  it('shows the refund on the order’s payment, once even when redelivered', async () => {
    const order = await insertOrder(OrderStatus.Created);
    await Order.cancel(env.outbox, order.id, OrderCancelReason.Expired);
    const payment = paymentCreatedData(order.id);
    await publishEvent(env.bus, Subjects.PaymentCreated, payment);
    await waitForConsumer(env.bus, created.durableName);

    const refund = refundOf(payment);
    await publishEvent(env.bus, Subjects.PaymentRefunded, refund);
    await publishEvent(env.bus, Subjects.PaymentRefunded, { ...refund, refundedAt: new Date(0).toISOString() });
    await waitForConsumer(env.bus, refunded.durableName);

    expect((await Order.findById(order.id))!.toJSON()).toMatchObject({
      status: OrderStatus.Cancelled,
      payment: { id: payment.id, status: PaymentStatus.Refunded, refundedAt: new Date(refund.refundedAt) },
    });
  });

  it('waits for the payment when the refund comes first', async () => {
    const order = await insertOrder(OrderStatus.Created);
    await Order.cancel(env.outbox, order.id, OrderCancelReason.Expired);
    const payment = paymentCreatedData(order.id);

    await publishEvent(env.bus, Subjects.PaymentRefunded, refundOf(payment));
    await waitFor(() => logger.entries.some((entry) => entry.msg === 'event too early, redelivering later'), {
      description: 'the refund to wait',
    });
    await publishEvent(env.bus, Subjects.PaymentCreated, payment);
    await waitFor(async () => (await Order.findById(order.id))?.payment?.status === PaymentStatus.Refunded, {
      description: 'the refund to be shown',
    });
  });
});
