import { OrderCancelReason, Subjects } from '@ticketing/common';
import { Email, EmailKind, EmailStatus } from '../../src/models/email';
import {
  messagesTo,
  newEmail,
  orderCancelledData,
  orderCompletedData,
  orderCreatedData,
  paymentRefundedData,
  publish,
  publishSale,
  ticketCreatedData,
  userCreatedData,
  useNotificationsTestContext,
  waitForMessage,
} from '../setup';

const ctx = useNotificationsTestContext();

/** The HTML part as a reader sees it: tags dropped, entities of the escaped text read back. */
const visibleText = (html: string) =>
  html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

describe('an order paid (order.completed)', () => {
  it('sends the buyer a receipt: ticket, price, order id and a link to the order, in HTML and text', async () => {
    const sale = await publishSale(ctx.env.bus, { title: 'Rock & Roll <Live> "2027"', price: 1234.5 });
    const eventId = await publish(ctx.env.bus, Subjects.OrderCompleted, orderCompletedData(sale.order, sale.ticket));

    const receipt = await waitForMessage(ctx, sale.buyer.email, /receipt/);
    const link = `https://ticketing.test/orders/${sale.order.id}`;
    expect(receipt).toMatchObject({
      from: 'no-reply@ticketing.local',
      to: [sale.buyer.email],
      subject: 'Your receipt for Rock & Roll <Live> "2027"',
      messageId: `<${eventId}.receipt@ticketing.local>`,
    });
    expect(receipt.text).toContain('Ticket: Rock & Roll <Live> "2027"');
    expect(receipt.text).toContain('Price: $1,234.50');
    expect(receipt.text).toContain(`Order: ${sale.order.id}`);
    expect(receipt.text).toContain(`View your order: ${link}`);
    // The title is text in the HTML, never markup.
    expect(receipt.html).toContain('Rock &amp; Roll &lt;Live&gt; &quot;2027&quot;');
    expect(receipt.html).not.toContain('<Live>');
    expect(receipt.html).toContain(`href="${link}"`);
    expect(visibleText(receipt.html)).toEqual(expect.stringContaining('$1,234.50'));
    expect(visibleText(receipt.html)).toEqual(expect.stringContaining(sale.order.id));
    expect(visibleText(receipt.html)).toEqual(expect.stringContaining('Rock & Roll <Live> "2027"'));
  });

  it('tells the seller their ticket sold, with a link to their listings', async () => {
    const sale = await publishSale(ctx.env.bus, { title: 'Opera night', price: 45 });
    await publish(ctx.env.bus, Subjects.OrderCompleted, orderCompletedData(sale.order, sale.ticket));

    const sold = await waitForMessage(ctx, sale.seller.email, /sold/);
    expect(sold).toMatchObject({ subject: 'Your ticket sold: Opera night' });
    expect(sold.text).toContain('Price: $45.00');
    expect(sold.text).toContain('https://ticketing.test/tickets/mine');
    expect(sold.text).toContain('turn these emails off on your account page: https://ticketing.test/account');
    expect(visibleText(sold.html)).toEqual(expect.stringContaining('Opera night'));
    // The seller got their welcome and the sale; the buyer their welcome and receipt; nothing else.
    await ctx.settled();
    expect((await messagesTo(ctx.sink, sale.seller.email)).map((m) => m.subject)).toEqual([
      'Welcome to Ticketing',
      'Your ticket sold: Opera night',
    ]);
    expect((await messagesTo(ctx.sink, sale.buyer.email)).map((m) => m.subject)).toEqual([
      'Welcome to Ticketing',
      'Your receipt for Opera night',
    ]);
  });
});

describe('an order cancelled (order.cancelled)', () => {
  it('tells the buyer when it expired, with the ticket as it is now and the order price', async () => {
    const sale = await publishSale(ctx.env.bus, { title: 'Jazz', price: 30 });
    await publish(ctx.env.bus, Subjects.TicketUpdated, { ...sale.ticket, version: 1, title: 'Jazz (late show)' });
    await publish(ctx.env.bus, Subjects.OrderCancelled, orderCancelledData(sale.order, OrderCancelReason.Expired));

    const expired = await waitForMessage(ctx, sale.buyer.email, /expired/);
    expect(expired).toMatchObject({ subject: 'Your reservation expired: Jazz (late show)' });
    expect(expired.text).toContain('Price: $30.00');
    expect(expired.text).toContain(`Order: ${sale.order.id}`);
    expect(expired.html).toContain(`href="https://ticketing.test/tickets/${sale.ticket.id}"`);
  });

  it.each([OrderCancelReason.RequestedByBuyer, OrderCancelReason.TicketWithdrawn])(
    'sends nothing when it was cancelled for another reason (%s)',
    async (reason) => {
      const sale = await publishSale(ctx.env.bus);
      await publish(ctx.env.bus, Subjects.OrderCancelled, orderCancelledData(sale.order, reason));
      await ctx.settled();
      expect((await messagesTo(ctx.sink, sale.buyer.email)).map((m) => m.subject)).toEqual(['Welcome to Ticketing']);
      expect(await Email.countDocuments({ kind: EmailKind.ReservationExpired })).toBe(0);
    },
  );
});

it('tells the buyer their payment was refunded, with the amount in its currency', async () => {
  const sale = await publishSale(ctx.env.bus, { title: 'Festival pass', price: 99.9 });
  await publish(ctx.env.bus, Subjects.OrderCancelled, orderCancelledData(sale.order));
  await publish(ctx.env.bus, Subjects.PaymentRefunded, paymentRefundedData(sale.order, { currency: 'eur' }));

  const refund = await waitForMessage(ctx, sale.buyer.email, /refunded/);
  expect(refund).toMatchObject({ subject: 'Your payment was refunded: Festival pass' });
  expect(refund.text).toContain('Refunded: €99.90');
  expect(refund.text).toContain(`https://ticketing.test/orders/${sale.order.id}`);
  expect(visibleText(refund.html)).toEqual(expect.stringContaining('€99.90'));
});

it('welcomes a new account', async () => {
  const user = userCreatedData({ email: newEmail('new') });
  const eventId = await publish(ctx.env.bus, Subjects.UserCreated, user);

  const welcome = await waitForMessage(ctx, user.email, /Welcome/);
  expect(welcome).toMatchObject({ subject: 'Welcome to Ticketing', messageId: `<${eventId}.welcome@ticketing.local>` });
  expect(welcome.text).toContain(`Your account ${user.email} is ready.`);
  expect(welcome.html).toContain('href="https://ticketing.test"');
  // The server has it; the sender marks it sent right after.
  await ctx.settled();
  expect(await Email.findById(`${eventId}.welcome`).lean()).toMatchObject({
    status: EmailStatus.Sent,
    to: user.email,
    userId: user.id,
    attempts: 1,
    sentAt: expect.any(Date),
  });
});

it('welcomes no account announced long after it was made (auth’s backfill), and records why', async () => {
  const user = userCreatedData({ createdAt: new Date(Date.now() - 30 * 24 * 60 * 60_000).toISOString() });
  const eventId = await publish(ctx.env.bus, Subjects.UserCreated, user);
  await ctx.settled();
  expect(await Email.findById(`${eventId}.welcome`).lean()).toMatchObject({
    status: EmailStatus.Skipped,
    skipReason: 'old-account',
  });
  expect(await ctx.sink.messages({ to: user.email })).toEqual([]);

  // Their address is known all the same: their next receipt goes out.
  const ticket = ticketCreatedData();
  await publish(ctx.env.bus, Subjects.TicketCreated, ticket);
  const order = orderCreatedData(ticket, { userId: user.id });
  await publish(ctx.env.bus, Subjects.OrderCreated, order);
  await publish(ctx.env.bus, Subjects.UserCreated, userCreatedData({ id: ticket.userId }));
  await publish(ctx.env.bus, Subjects.OrderCompleted, orderCompletedData(order, ticket));
  await waitForMessage(ctx, user.email, /^Your receipt for Concert$/);
});
