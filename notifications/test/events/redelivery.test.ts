import { EVENT_STREAM, Subjects, type OrderCompletedEvent } from '@ticketing/common';
import { waitFor, waitForConsumer } from '@ticketing/common/testing';
import { OrderCompletedListener } from '../../src/events/listeners/order-completed-listener';
import { Email, EmailKind } from '../../src/models/email';
import { Ticket } from '../../src/models/ticket';
import type { DeliveredMessage } from '../../src/record-email';
import {
  messagesTo,
  orderCancelledData,
  orderCompletedData,
  paymentRefundedData,
  publish,
  publishSale,
  TEST_LISTENER_OPTIONS,
  useNotificationsTestContext,
  waitForMessage,
  type Sale,
} from '../setup';

const ctx = useNotificationsTestContext();

/** What every address of the sales got, subjects oldest first. */
async function inboxes(sales: Sale[]): Promise<Record<string, string[]>> {
  const entries = await Promise.all(
    sales
      .flatMap((sale) => [sale.buyer.email, sale.seller.email])
      .map(async (address) => [address, (await messagesTo(ctx.sink, address)).map((m) => m.subject)] as const),
  );
  return Object.fromEntries(entries);
}

// First in the file: the replay covers every event of the stream, and those of this test only.
it('replaying the whole stream (the durable consumers lost) sends no email twice', async () => {
  const paid = await publishSale(ctx.env.bus, { title: 'Paid' });
  await publish(ctx.env.bus, Subjects.OrderCompleted, orderCompletedData(paid.order, paid.ticket));
  const expired = await publishSale(ctx.env.bus, { title: 'Expired' });
  await publish(ctx.env.bus, Subjects.OrderCancelled, orderCancelledData(expired.order));
  await publish(ctx.env.bus, Subjects.PaymentRefunded, paymentRefundedData(expired.order));
  await waitForMessage(ctx, expired.buyer.email, /refunded/);
  await ctx.settled();
  const before = await inboxes([paid, expired]);
  expect(before).toEqual({
    [paid.buyer.email]: ['Welcome to Ticketing', 'Your receipt for Paid'],
    [paid.seller.email]: ['Welcome to Ticketing', 'Your ticket sold: Paid'],
    [expired.buyer.email]: expect.arrayContaining([
      'Welcome to Ticketing',
      'Your reservation expired: Expired',
      'Your payment was refunded: Expired',
    ]),
    [expired.seller.email]: ['Welcome to Ticketing'],
  });
  const records = await Email.countDocuments();
  expect(records).toBe(8);

  // Every consumer deleted: started again, each gets the whole stream from its start (deliver all).
  const jsm = await ctx.env.bus.jetstreamManager();
  for (const listener of ctx.replica.listeners) {
    await listener.stop();
    await jsm.consumers.delete(EVENT_STREAM, listener.durableName);
    await listener.listen();
  }
  for (const listener of ctx.replica.listeners) {
    await waitForConsumer(ctx.env.bus, listener.durableName);
    const info = await jsm.consumers.info(EVENT_STREAM, listener.durableName);
    expect(info.delivered.stream_seq).toBeGreaterThan(0);
  }
  await ctx.settled();
  expect(await inboxes([paid, expired])).toEqual(before);
  expect(await Email.countDocuments()).toBe(records);
});

it('an event redelivered because its ack was lost sends no email twice', async () => {
  const deliveries: number[] = [];
  /** Records as the real listener does, then fails the first handling that succeeded, as if its ack never reached NATS. */
  class AckLostListener extends OrderCompletedListener {
    override async onMessage(
      data: OrderCompletedEvent['data'],
      msg: DeliveredMessage & { info: { deliveryCount: number } },
    ) {
      await super.onMessage(data, msg);
      deliveries.push(msg.info.deliveryCount);
      if (deliveries.length === 1) throw new Error('the ack was lost');
    }
  }
  const real = ctx.replica.listeners.find((listener) => listener.subject === Subjects.OrderCompleted)!;
  await real.stop();
  const ackLost = new AckLostListener(ctx.env.bus, TEST_LISTENER_OPTIONS, ctx.deps);
  await ackLost.listen();
  try {
    const sale = await publishSale(ctx.env.bus, { title: 'Twice delivered' });
    // Every copy in place first: the order.completed is handled at its first delivery.
    await waitForMessage(ctx, sale.buyer.email, /Welcome/);
    await waitForMessage(ctx, sale.seller.email, /Welcome/);
    await waitFor(() => Ticket.exists({ _id: sale.ticket.id }));
    await publish(ctx.env.bus, Subjects.OrderCompleted, orderCompletedData(sale.order, sale.ticket));
    await waitFor(() => deliveries.length === 2, { description: 'the redelivery' });
    expect(deliveries).toEqual([1, 2]);
    await ctx.settled();
    expect((await messagesTo(ctx.sink, sale.buyer.email, /receipt/)).length).toBe(1);
    expect((await messagesTo(ctx.sink, sale.seller.email, /sold/)).length).toBe(1);
  } finally {
    await ackLost.stop();
    await real.listen();
  }
});

it('an event published twice with its event id is stored once by the stream, and emailed once', async () => {
  const sale = await publishSale(ctx.env.bus, { title: 'Published twice' });
  const completed = orderCompletedData(sale.order, sale.ticket);
  const eventId = await publish(ctx.env.bus, Subjects.OrderCompleted, completed);
  await publish(ctx.env.bus, Subjects.OrderCompleted, completed, eventId);
  await waitForMessage(ctx, sale.buyer.email, /receipt/);
  await ctx.settled();
  expect((await messagesTo(ctx.sink, sale.buyer.email, /receipt/)).length).toBe(1);
});

it('two deliveries of one event handled at the same moment record one email', async () => {
  const sale = await publishSale(ctx.env.bus, { title: 'Handled at once' });
  await waitForMessage(ctx, sale.buyer.email, /Welcome/);
  const listener = new OrderCompletedListener(ctx.env.bus, TEST_LISTENER_OPTIONS, ctx.deps);
  const msg: DeliveredMessage = { seq: 1, headers: { get: () => 'same-event-id' } };
  const completed = orderCompletedData(sale.order, sale.ticket);
  await Promise.all([listener.onMessage(completed, msg), listener.onMessage(completed, msg)]);
  expect(await Email.find({ eventId: 'same-event-id' }, { kind: 1 }).sort({ kind: 1 }).lean()).toEqual([
    { _id: 'same-event-id.receipt', kind: EmailKind.Receipt },
    { _id: 'same-event-id.ticket-sold', kind: EmailKind.TicketSold },
  ]);
  await waitForMessage(ctx, sale.seller.email, /sold/);
  await ctx.settled();
  expect((await messagesTo(ctx.sink, sale.buyer.email, /receipt/)).length).toBe(1);
});
