import { OrderStatus, Subjects } from '@ticketing/common';
import { createMemoryLogger, waitFor } from '@ticketing/common/testing';
import { PaymentCreatedListener } from '../../src/events/listeners/payment-created-listener';
import { Order } from '../../src/models/order';
import { UnmatchedPayment } from '../../src/models/unmatched-payment';
import {
  insertTicket,
  newId,
  publishEvent,
  startOrdersTestEnvironment,
  waitForConsumerIdle,
  type OrdersTestEnvironment,
} from '../setup';

let env: OrdersTestEnvironment;
let listener: PaymentCreatedListener;
const logger = createMemoryLogger();

beforeAll(async () => {
  env = await startOrdersTestEnvironment();
  listener = new PaymentCreatedListener({ ...env.bus, logger });
  await listener.listen();
});
beforeEach(async () => {
  await env.clearDatabase();
  logger.entries.length = 0;
});
afterAll(async () => {
  await listener.stop();
  await env.stop();
});

async function insertOrder(status: OrderStatus) {
  const ticket = await insertTicket();
  return Order.create({ userId: newId(), status, expiresAt: new Date(Date.now() + 60_000), ticket: ticket.id });
}

const payment = (orderId: string) => ({ id: newId(), orderId, stripeId: `pi_${newId()}` });

describe('PaymentCreatedListener', () => {
  it.each([OrderStatus.Created, OrderStatus.AwaitingPayment])(
    'completes an order in status %s, once even when redelivered',
    async (status) => {
      const order = await insertOrder(status);
      const event = payment(order.id);

      await publishEvent(env.bus, Subjects.PaymentCreated, event);
      await waitFor(async () => (await Order.findById(order.id))?.status === OrderStatus.Complete, {
        description: 'the order to be complete',
      });
      await publishEvent(env.bus, Subjects.PaymentCreated, event);
      await waitForConsumerIdle(env.bus, listener.durableName);

      expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Complete, version: 1 });
      expect(await UnmatchedPayment.countDocuments()).toBe(0);
    },
  );

  it('records a payment for a cancelled order for refund and reports it', async () => {
    const order = await insertOrder(OrderStatus.Cancelled);
    const event = payment(order.id);

    await publishEvent(env.bus, Subjects.PaymentCreated, event);
    await publishEvent(env.bus, Subjects.PaymentCreated, event);
    await waitForConsumerIdle(env.bus, listener.durableName);

    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Cancelled, version: 0 });
    const unmatched = await UnmatchedPayment.find().lean();
    expect(unmatched).toEqual([
      expect.objectContaining({
        paymentId: event.id,
        orderId: order.id,
        stripeId: event.stripeId,
        reason: 'order-cancelled',
      }),
    ]);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        obj: expect.objectContaining({ orderId: order.id, reason: 'order-cancelled' }),
      }),
    );
  });

  it('records a payment for an unknown order', async () => {
    const event = payment(newId());
    await publishEvent(env.bus, Subjects.PaymentCreated, event);
    await waitFor(() => UnmatchedPayment.findOne({ paymentId: event.id }), { description: 'the unmatched payment' });
    expect(await UnmatchedPayment.findOne({ paymentId: event.id }).lean()).toMatchObject({ reason: 'order-not-found' });
  });
});
