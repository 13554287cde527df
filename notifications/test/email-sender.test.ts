import { Subjects } from '@ticketing/common';
import { metricValue, waitFor } from '@ticketing/common/testing';
import request from 'supertest';
import { createSmtpTransport, EmailSender, isPermanentFailure } from '../src/email-sender';
import { welcomeEmail } from '../src/emails/welcome';
import { Email, EmailKind, EmailStatus, type EmailRecord } from '../src/models/email';
import { insertEmail, prepareEmail } from '../src/record-email';
import {
  messagesTo,
  newEmail,
  orderCompletedData,
  publish,
  publishSale,
  TEST_SETTINGS,
  userCreatedData,
  useNotificationsTestContext,
  waitForMessage,
  type Sale,
} from './setup';

const ctx = useNotificationsTestContext();

async function scrape(): Promise<string> {
  return (await request(ctx.app).get('/metrics').expect(200)).text;
}

const emailsCounted = (text: string, kind: EmailKind, result: string) =>
  metricValue(text, 'emails_sent_total', { service: 'notifications', kind, result }) ?? 0;
const attemptsCounted = (text: string, result: string) =>
  metricValue(text, 'email_send_attempts_total', { service: 'notifications', result }) ?? 0;

/** A pending welcome recorded directly, as the user.created listener would; returns its record. */
async function pendingWelcome(to = newEmail()): Promise<EmailRecord> {
  const record = await prepareEmail(
    {
      eventId: `event-${to.split('@')[0]}`,
      eventSubject: Subjects.UserCreated,
      kind: EmailKind.Welcome,
      userId: '0123456789abcdef01234567',
      to,
      content: welcomeEmail({ email: to }, TEST_SETTINGS),
    },
    TEST_SETTINGS,
  );
  await insertEmail(record);
  return record;
}

function senderWith(leaseMs: number): EmailSender {
  return new EmailSender({
    transport: createSmtpTransport(ctx.sink.smtpUrl),
    from: TEST_SETTINGS.from,
    metrics: ctx.metrics,
    logger: ctx.logs.logger,
    leaseMs,
  });
}

describe('two replicas', () => {
  it('share the events and the sending, and send each email once', async () => {
    const second = await ctx.startReplica();
    try {
      const sales: Sale[] = [];
      for (let n = 0; n < 6; n += 1) sales.push(await publishSale(ctx.env.bus, { title: `Show ${n}` }));
      for (const sale of sales) {
        await publish(ctx.env.bus, Subjects.OrderCompleted, orderCompletedData(sale.order, sale.ticket));
      }
      for (const sale of sales) await waitForMessage(ctx, sale.seller.email, /sold/);
      await ctx.settled();

      for (const [n, sale] of sales.entries()) {
        expect((await messagesTo(ctx.sink, sale.buyer.email)).map((m) => m.subject)).toEqual([
          'Welcome to Ticketing',
          `Your receipt for Show ${n}`,
        ]);
        expect((await messagesTo(ctx.sink, sale.seller.email)).map((m) => m.subject)).toEqual([
          'Welcome to Ticketing',
          `Your ticket sold: Show ${n}`,
        ]);
      }
      const records = await Email.find({}, { attempts: 1, status: 1 }).lean();
      expect(records).toHaveLength(24);
      expect(records.every((record) => record.status === EmailStatus.Sent && record.attempts === 1)).toBe(true);
    } finally {
      await second.stop();
    }
  });

  it('never both claim one record: two senders draining the same backlog send each email once', async () => {
    const records = await Promise.all(Array.from({ length: 30 }, () => pendingWelcome()));
    const [a, b] = [senderWith(10_000), senderWith(10_000)];
    // With the context's running sender: three senders at the same backlog.
    const [sentByA, sentByB] = await Promise.all([a.sendDue(), b.sendDue()]);
    await ctx.settled();
    expect(sentByA + sentByB).toBeLessThanOrEqual(30);
    for (const record of records) {
      const messages = await ctx.sink.messages({ to: record.to });
      expect(messages.map((message) => message.messageId)).toEqual([`<${record._id}@ticketing.local>`]);
    }
    expect(await Email.countDocuments({ status: EmailStatus.Sent, attempts: 1 })).toBe(30);
  });
});

describe('a sender that stops mid-way', () => {
  it('leaves its claim to another sender once the lease ran out', async () => {
    const record = await prepareEmail(
      {
        eventId: 'crashed-claim',
        eventSubject: Subjects.UserCreated,
        kind: EmailKind.Welcome,
        userId: '0123456789abcdef01234567',
        to: newEmail(),
        content: welcomeEmail({ email: 'x@example.test' }, TEST_SETTINGS),
      },
      TEST_SETTINGS,
    );
    // As a sender leaves a record it claimed (lease of 500 ms) before it crashed.
    const leaseEnd = new Date(Date.now() + 500);
    await insertEmail({ ...record, claim: 'crashed-sender', attempts: 1, nextAttemptAt: leaseEnd });

    const [message] = await waitFor(async () => {
      const messages = await ctx.sink.messages({ to: record.to });
      return messages.length > 0 ? messages : undefined;
    });
    expect(Date.parse(message.receivedAt)).toBeGreaterThanOrEqual(leaseEnd.getTime());
    await ctx.settled();
    expect(await Email.findById(record._id).lean()).toMatchObject({ status: EmailStatus.Sent, attempts: 2 });
    expect(await ctx.sink.messages({ to: record.to })).toHaveLength(1);
  });

  it('sends the email again with the same Message-ID when it stopped before recording it sent', async () => {
    const record = await pendingWelcome();
    await waitForMessage(ctx, record.to, /Welcome/);
    await ctx.settled();
    // The server took it, but the record says pending: as after a crash between the two.
    await Email.updateOne({ _id: record._id }, { $set: { status: EmailStatus.Pending, nextAttemptAt: new Date() } });
    await waitFor(async () => (await ctx.sink.messages({ to: record.to })).length === 2);
    const messageIds = (await ctx.sink.messages({ to: record.to })).map((message) => message.messageId);
    expect(messageIds).toEqual([`<${record._id}@ticketing.local>`, `<${record._id}@ticketing.local>`]);
  });
});

describe('SMTP failures', () => {
  it('retries through an SMTP outage with backoff and delivers once when the server is back', async () => {
    const before = await scrape();
    await ctx.stopSink();
    let sale: Sale;
    try {
      sale = await publishSale(ctx.env.bus, { title: 'Outage' });
      await publish(ctx.env.bus, Subjects.OrderCompleted, orderCompletedData(sale.order, sale.ticket));
      const retried = await waitFor(async () => {
        const record = await Email.findOne({ kind: EmailKind.Receipt, to: sale.buyer.email }).lean();
        return record && record.attempts >= 2 ? record : undefined;
      });
      expect(retried).toMatchObject({ status: EmailStatus.Pending, lastError: expect.stringMatching(/ECONNREFUSED/) });
      expect(retried.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() - 1_000);
      const during = await scrape();
      expect(metricValue(during, 'emails_pending')).toBeGreaterThanOrEqual(3);
      expect(metricValue(during, 'emails_oldest_pending_age_seconds')).toBeGreaterThan(0);
    } finally {
      await ctx.restartSink();
    }

    await waitForMessage(ctx, sale.buyer.email, /receipt/);
    await ctx.settled();
    expect((await messagesTo(ctx.sink, sale.buyer.email)).map((m) => m.subject)).toEqual([
      'Welcome to Ticketing',
      'Your receipt for Outage',
    ]);
    expect(await Email.findOne({ kind: EmailKind.Receipt, to: sale.buyer.email }).lean()).toMatchObject({
      status: EmailStatus.Sent,
      attempts: expect.any(Number),
    });
    const text = await scrape();
    expect(metricValue(text, 'emails_pending')).toBe(0);
    expect(metricValue(text, 'emails_oldest_pending_age_seconds')).toBe(0);
    expect(attemptsCounted(text, 'retry')).toBeGreaterThan(attemptsCounted(before, 'retry'));
    expect(emailsCounted(text, EmailKind.Receipt, 'sent')).toBe(emailsCounted(before, EmailKind.Receipt, 'sent') + 1);
    expect(emailsCounted(text, EmailKind.Receipt, 'failed')).toBe(emailsCounted(before, EmailKind.Receipt, 'failed'));
  });

  it('retries an email the server refuses for now (4xx) until it takes it', async () => {
    ctx.sink.failWith({ code: 451, message: 'Greylisted, try again later' });
    const user = userCreatedData();
    try {
      await publish(ctx.env.bus, Subjects.UserCreated, user);
      const retried = await waitFor(async () => {
        const record = await Email.findOne({ to: user.email }).lean();
        return record && record.attempts >= 2 ? record : undefined;
      });
      expect(retried).toMatchObject({ status: EmailStatus.Pending, lastError: expect.stringContaining('451') });
    } finally {
      ctx.sink.failWith(undefined);
    }
    await waitForMessage(ctx, user.email, /Welcome/);
    await ctx.settled();
    expect(await ctx.sink.messages({ to: user.email })).toHaveLength(1);
  });

  it('records an email the server refuses for good (5xx) as failed with its answer, logs and counts it', async () => {
    const before = await scrape();
    ctx.sink.failWith({ code: 550, message: 'No such mailbox here' });
    const user = userCreatedData();
    let failed: EmailRecord;
    try {
      const eventId = await publish(ctx.env.bus, Subjects.UserCreated, user);
      failed = await waitFor(async () => {
        const record = await Email.findById(`${eventId}.welcome`).lean();
        return record?.status === EmailStatus.Failed ? record : undefined;
      });
    } finally {
      ctx.sink.failWith(undefined);
    }
    expect(failed).toMatchObject({
      attempts: 1,
      lastError: expect.stringMatching(/550.*No such mailbox here/),
      failedAt: expect.any(Date),
    });
    expect(failed.nextAttemptAt).toBeUndefined();
    const errorLine = ctx.logs.lines.find((line) => line.level === 50 && line.emailId === failed._id);
    expect(errorLine).toMatchObject({ msg: 'email refused for good by the SMTP server', kind: 'welcome' });

    const text = await scrape();
    expect(emailsCounted(text, EmailKind.Welcome, 'failed')).toBe(
      emailsCounted(before, EmailKind.Welcome, 'failed') + 1,
    );
    expect(attemptsCounted(text, 'permanent')).toBe(attemptsCounted(before, 'permanent') + 1);
    // Final: the server taking mail again changes nothing.
    await ctx.settled();
    expect(await ctx.sink.messages({ to: user.email })).toEqual([]);
    expect((await Email.findById(failed._id).lean())!.status).toBe(EmailStatus.Failed);
  });

  it.each([
    [{ code: 'EENVELOPE', responseCode: 550 }, true],
    [{ code: 'EMESSAGE', responseCode: 554 }, true],
    [{ code: 'EENVELOPE' }, true],
    [{ code: 'EENVELOPE', responseCode: 452 }, false],
    [{ code: 'EAUTH', responseCode: 535 }, false],
    [{ code: 'ECONNECTION' }, false],
    [{ code: 'ETIMEDOUT' }, false],
    [new Error('socket hang up'), false],
  ])('tells a permanent failure from a transient one: %j is permanent: %s', (err, permanent) => {
    expect(isPermanentFailure(err)).toBe(permanent);
  });
});
