import { EVENT_STREAM, EventTooEarlyError, Subjects } from '@ticketing/common';
import { waitFor } from '@ticketing/common/testing';
import { OrderCancelledListener } from '../../src/events/listeners/order-cancelled-listener';
import { OrderCompletedListener } from '../../src/events/listeners/order-completed-listener';
import { PaymentRefundedListener } from '../../src/events/listeners/payment-refunded-listener';
import { TicketUpdatedListener } from '../../src/events/listeners/ticket-updated-listener';
import { Email, EmailKind } from '../../src/models/email';
import { Ticket } from '../../src/models/ticket';
import type { DeliveredMessage } from '../../src/record-email';
import {
  messagesTo,
  orderCancelledData,
  orderCompletedData,
  orderCreatedData,
  paymentRefundedData,
  publish,
  TEST_LISTENER_OPTIONS,
  ticketCreatedData,
  userCreatedData,
  useNotificationsTestContext,
  waitForMessage,
} from '../setup';

const ctx = useNotificationsTestContext();

const message = (eventId: string): DeliveredMessage => ({ seq: 1, headers: { get: () => eventId } });

function purchase() {
  const seller = userCreatedData();
  const buyer = userCreatedData();
  const ticket = ticketCreatedData({ userId: seller.id, title: 'Early bird' });
  const order = orderCreatedData(ticket, { userId: buyer.id });
  return { seller, buyer, ticket, order };
}

describe('handlers', () => {
  it('order.completed before the accounts and the ticket is too early, records what it can, then the rest', async () => {
    const { seller, buyer, ticket, order } = purchase();
    const listener = new OrderCompletedListener(ctx.env.bus, TEST_LISTENER_OPTIONS, ctx.deps);
    const completed = orderCompletedData(order, ticket);

    await expect(listener.onMessage(completed, message('early'))).rejects.toThrow(
      new EventTooEarlyError(`waiting for the buyer's account ${buyer.id} and ticket ${ticket.id}`),
    );
    expect(await Email.countDocuments({ eventId: 'early' })).toBe(0);

    await publish(ctx.env.bus, Subjects.UserCreated, buyer);
    await publish(ctx.env.bus, Subjects.TicketCreated, ticket);
    await waitFor(() => Ticket.exists({ _id: ticket.id }));
    await waitForMessage(ctx, buyer.email, /Welcome/);
    await expect(listener.onMessage(completed, message('early'))).rejects.toThrow(
      new EventTooEarlyError(`waiting for the seller's account ${seller.id}`),
    );
    expect(await Email.find({ eventId: 'early' }).distinct('kind')).toEqual([EmailKind.Receipt]);

    await publish(ctx.env.bus, Subjects.UserCreated, seller);
    await waitForMessage(ctx, seller.email, /Welcome/);
    await listener.onMessage(completed, message('early'));
    expect((await Email.find({ eventId: 'early' }).distinct('kind')).sort()).toEqual([
      EmailKind.Receipt,
      EmailKind.TicketSold,
    ]);
  });

  it('order.cancelled and payment.refunded before the order copy are too early', async () => {
    const { order } = purchase();
    const cancelled = new OrderCancelledListener(ctx.env.bus, TEST_LISTENER_OPTIONS, ctx.deps);
    const refunded = new PaymentRefundedListener(ctx.env.bus, TEST_LISTENER_OPTIONS, ctx.deps);
    await expect(cancelled.onMessage(orderCancelledData(order), message('c'))).rejects.toBeInstanceOf(
      EventTooEarlyError,
    );
    await expect(refunded.onMessage(paymentRefundedData(order), message('r'))).rejects.toBeInstanceOf(
      EventTooEarlyError,
    );
  });

  it('ticket.updated applies in version order: a gap is too early, a duplicate changes nothing', async () => {
    const { ticket } = purchase();
    const listener = new TicketUpdatedListener(ctx.env.bus, TEST_LISTENER_OPTIONS);
    await expect(listener.onMessage({ ...ticket, version: 1, title: 'Renamed' })).rejects.toBeInstanceOf(
      EventTooEarlyError,
    );
    await publish(ctx.env.bus, Subjects.TicketCreated, ticket);
    await waitFor(() => Ticket.exists({ _id: ticket.id }));
    await expect(listener.onMessage({ ...ticket, version: 2, title: 'Later' })).rejects.toBeInstanceOf(
      EventTooEarlyError,
    );
    await listener.onMessage({ ...ticket, version: 1, title: 'Renamed' });
    await listener.onMessage({ ...ticket, version: 1, title: 'Stale copy' });
    expect(await Ticket.findById(ticket.id).lean()).toMatchObject({ version: 1, title: 'Renamed' });
  });
});

describe('over NATS', () => {
  it('order.completed before user.created: the receipt and the sale go out once the accounts arrive', async () => {
    const { seller, buyer, ticket, order } = purchase();
    await publish(ctx.env.bus, Subjects.OrderCompleted, orderCompletedData(order, ticket));
    await publish(ctx.env.bus, Subjects.OrderCreated, order);
    await publish(ctx.env.bus, Subjects.TicketCreated, ticket);
    // Redelivered meanwhile, still too early: nothing recorded, nothing sent.
    const jsm = await ctx.env.bus.jetstreamManager();
    await waitFor(
      async () => (await jsm.consumers.info(EVENT_STREAM, 'notifications-order-completed')).num_redelivered > 0,
      {
        description: 'order.completed to be redelivered',
      },
    );
    expect(await Email.countDocuments({ kind: EmailKind.Receipt })).toBe(0);

    await publish(ctx.env.bus, Subjects.UserCreated, buyer);
    await publish(ctx.env.bus, Subjects.UserCreated, seller);
    await waitForMessage(ctx, buyer.email, /receipt/);
    await waitForMessage(ctx, seller.email, /sold/);
    await ctx.settled();
    expect((await messagesTo(ctx.sink, buyer.email)).map((m) => m.subject).sort()).toEqual([
      'Welcome to Ticketing',
      'Your receipt for Early bird',
    ]);
    expect((await messagesTo(ctx.sink, seller.email)).map((m) => m.subject).sort()).toEqual([
      'Welcome to Ticketing',
      'Your ticket sold: Early bird',
    ]);
  });

  it('a refund before its order and ticket: the email goes out once they arrive', async () => {
    const { seller, buyer, ticket, order } = purchase();
    await publish(ctx.env.bus, Subjects.UserCreated, buyer);
    await publish(ctx.env.bus, Subjects.PaymentRefunded, paymentRefundedData(order, { amount: 12.5 }));
    await publish(ctx.env.bus, Subjects.UserCreated, seller);
    await publish(ctx.env.bus, Subjects.OrderCreated, order);
    await publish(ctx.env.bus, Subjects.TicketCreated, ticket);
    const refund = await waitForMessage(ctx, buyer.email, /refunded/);
    expect(refund.text).toContain('Refunded: $12.50');
    await ctx.settled();
    expect(await messagesTo(ctx.sink, buyer.email, /refunded/)).toHaveLength(1);
  });
});
