import { Subjects } from '@ticketing/common';
import { metricValue, signin } from '@ticketing/common/testing';
import request from 'supertest';
import { Email, EmailKind, EmailStatus } from '../../src/models/email';
import {
  messagesTo,
  orderCancelledData,
  orderCompletedData,
  paymentRefundedData,
  publish,
  publishSale,
  userCreatedData,
  useNotificationsTestContext,
  waitForMessage,
} from '../setup';

const ctx = useNotificationsTestContext();

async function turnOff(userId: string, preferences: Record<string, boolean>): Promise<void> {
  await request(ctx.app)
    .put('/api/notifications/preferences')
    .set('Cookie', signin({ id: userId }))
    .send(preferences)
    .expect(200);
}

const skippedCount = async (kind: EmailKind) =>
  metricValue((await request(ctx.app).get('/metrics').expect(200)).text, 'emails_sent_total', {
    kind,
    result: 'skipped',
  }) ?? 0;

it('a seller who turned "ticket sold" off gets none; the buyer still gets the receipt', async () => {
  const skippedBefore = await skippedCount(EmailKind.TicketSold);
  const sale = await publishSale(ctx.env.bus, { title: 'Quiet sale' });
  await waitForMessage(ctx, sale.seller.email, /Welcome/);
  await turnOff(sale.seller.id, { ticketSold: false });
  const eventId = await publish(ctx.env.bus, Subjects.OrderCompleted, orderCompletedData(sale.order, sale.ticket));

  await waitForMessage(ctx, sale.buyer.email, /receipt/);
  await ctx.settled();
  expect((await messagesTo(ctx.sink, sale.seller.email)).map((m) => m.subject)).toEqual(['Welcome to Ticketing']);
  expect(await Email.findById(`${eventId}.ticket-sold`).lean()).toMatchObject({
    status: EmailStatus.Skipped,
    skipReason: 'preference',
    to: sale.seller.email,
  });
  expect(await skippedCount(EmailKind.TicketSold)).toBe(skippedBefore + 1);
});

it('a buyer who turned "reservation expired" off gets none, and still gets their refund', async () => {
  const sale = await publishSale(ctx.env.bus, { title: 'Missed it' });
  await waitForMessage(ctx, sale.buyer.email, /Welcome/);
  await turnOff(sale.buyer.id, { reservationExpired: false, ticketSold: false, welcome: false });
  await publish(ctx.env.bus, Subjects.OrderCancelled, orderCancelledData(sale.order));
  await publish(ctx.env.bus, Subjects.PaymentRefunded, paymentRefundedData(sale.order));

  await waitForMessage(ctx, sale.buyer.email, /refunded/);
  await ctx.settled();
  expect((await messagesTo(ctx.sink, sale.buyer.email)).map((m) => m.subject)).toEqual([
    'Welcome to Ticketing',
    'Your payment was refunded: Missed it',
  ]);
  expect(await Email.findOne({ kind: EmailKind.ReservationExpired }).lean()).toMatchObject({
    status: EmailStatus.Skipped,
  });
});

it('a user who turned everything off still gets their receipt', async () => {
  const sale = await publishSale(ctx.env.bus, { title: 'Still a receipt' });
  await waitForMessage(ctx, sale.buyer.email, /Welcome/);
  await turnOff(sale.buyer.id, { reservationExpired: false, ticketSold: false, welcome: false });
  await publish(ctx.env.bus, Subjects.OrderCompleted, orderCompletedData(sale.order, sale.ticket));
  expect((await waitForMessage(ctx, sale.buyer.email, /receipt/)).subject).toBe('Your receipt for Still a receipt');
});

it('no welcome for an account whose preferences said so before its user.created arrived', async () => {
  const user = userCreatedData();
  await turnOff(user.id, { welcome: false });
  const eventId = await publish(ctx.env.bus, Subjects.UserCreated, user);
  await ctx.settled();
  expect(await Email.findById(`${eventId}.welcome`).lean()).toMatchObject({ status: EmailStatus.Skipped });
  expect(await ctx.sink.messages({ to: user.email })).toEqual([]);
});

it('a preference turned back on applies to the next events', async () => {
  const sale = await publishSale(ctx.env.bus);
  await waitForMessage(ctx, sale.seller.email, /Welcome/);
  await turnOff(sale.seller.id, { ticketSold: false });
  await turnOff(sale.seller.id, { ticketSold: true });
  await publish(ctx.env.bus, Subjects.OrderCompleted, orderCompletedData(sale.order, sale.ticket));
  await waitForMessage(ctx, sale.seller.email, /sold/);
});
