import { randomUUID } from 'node:crypto';
import { backoffDelay, startPeriodicTask, type BackgroundTask, type BusLogger } from '@ticketing/common';
import nodemailer, { type Transporter } from 'nodemailer';
import type { MailSender } from './config';
import type { NotificationMetrics } from './metrics';
import { Email, EmailStatus, type EmailRecord } from './models/email';

/**
 * How long one SMTP exchange may take at most, roughly: connecting, the greeting, and each wait for
 * the server while talking. A claim's lease (below) must stay well beyond it.
 */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/** The SMTP transport of SMTP_URL, with timeouts far shorter than nodemailer's defaults (minutes). */
export function createSmtpTransport(smtpUrl: string): Transporter {
  return nodemailer.createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS });
}

export interface EmailSenderOptions {
  transport: Transporter;
  from: MailSender;
  metrics: NotificationMetrics;
  logger: BusLogger;
  /** Pause between rounds that send what is due. */
  intervalMs?: number;
  /** How long a claimed record is left to its claimer before another sender may take it. */
  leaseMs?: number;
  /** Delay before the first retry after a transient failure; doubles each attempt up to retryMaxMs. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Most emails sent in one round. */
  batchSize?: number;
}

type Outcome = { result: 'sent' } | { result: 'retry' | 'failed'; error: string };

/**
 * A 5xx reply refuses this email for good (no such mailbox, message rejected); anything else, a
 * server down or slow, a 4xx reply (try later), or refused credentials (a configuration to fix,
 * which would fail every email), is worth another attempt.
 */
export function isPermanentFailure(err: unknown): boolean {
  const { code, responseCode } = err as { code?: string; responseCode?: number };
  if (code === 'EAUTH') return false;
  if (typeof responseCode === 'number') return responseCode >= 500 && responseCode < 600;
  // nodemailer's own refusal of the envelope (an address it cannot send to): no retry changes it.
  return code === 'EENVELOPE';
}

/**
 * Sends the recorded emails. Listeners only record them (pending, rendered); every replica runs a
 * sender, and each email goes out once:
 * - A sender claims one pending record at a time with one atomic update that also moves its
 *   `nextAttemptAt` a lease ahead and stamps a claim token, so no other sender can take it meanwhile,
 *   and a sender that crashed holding it lets another take it once the lease ran out.
 * - Only the holder of the record's current claim records the outcome (sent, retry later, failed).
 * - Each email carries the Message-ID `<recordId@domain of MAIL_FROM>`, the same on every attempt: if
 *   a sender stops between the server's acceptance and marking the record sent, the email is sent
 *   again after the lease, and receivers (and the mail sink) can tell the copy by that id.
 * A transient failure is retried with backoff (`nextAttemptAt`) and ends the round (the server is
 * likely down for the next ones too); a permanent one marks the record failed with the server's
 * answer, logged at error level and counted.
 */
export class EmailSender {
  private readonly transport: Transporter;
  private readonly from: MailSender;
  private readonly metrics: NotificationMetrics;
  private readonly logger: BusLogger;
  private readonly leaseMs: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly batchSize: number;
  private stopping = false;

  constructor(options: EmailSenderOptions) {
    this.transport = options.transport;
    this.from = options.from;
    this.metrics = options.metrics;
    this.logger = options.logger;
    this.leaseMs = options.leaseMs ?? 120_000;
    this.retryBaseMs = options.retryBaseMs ?? 5_000;
    this.retryMaxMs = options.retryMaxMs ?? 15 * 60_000;
    this.batchSize = options.batchSize ?? 50;
  }

  /** Sends the records due now, until none is left, one fails transiently, or a batch is done; returns how many went. */
  async sendDue(): Promise<number> {
    let sent = 0;
    for (let handled = 0; handled < this.batchSize && !this.stopping; handled += 1) {
      const record = await this.claimNext();
      if (!record) break;
      const outcome = await this.send(record);
      await this.recordOutcome(record, outcome);
      if (outcome.result === 'sent') sent += 1;
      if (outcome.result === 'retry') break;
    }
    return sent;
  }

  /** Ends the round in progress after the email being sent (shutdown need not wait for a whole batch). */
  stop(): void {
    this.stopping = true;
  }

  /** Takes the pending record due soonest, unless another sender holds it; undefined when none is due. */
  async claimNext(): Promise<EmailRecord | undefined> {
    const now = new Date();
    const record = await Email.findOneAndUpdate(
      { status: EmailStatus.Pending, nextAttemptAt: { $lte: now } },
      {
        $set: { claim: randomUUID(), nextAttemptAt: new Date(now.getTime() + this.leaseMs) },
        $inc: { attempts: 1 },
      },
      { sort: { nextAttemptAt: 1 }, returnDocument: 'after' },
    ).lean<EmailRecord>();
    return record ?? undefined;
  }

  /** Hands the email to the SMTP server. */
  private async send(record: EmailRecord): Promise<Outcome> {
    try {
      await this.transport.sendMail({
        from: this.from.name ? { name: this.from.name, address: this.from.address } : this.from.address,
        to: record.to,
        subject: record.subject,
        html: record.html,
        text: record.text,
        messageId: `<${record._id}@${this.from.domain}>`,
      });
      return { result: 'sent' };
    } catch (err) {
      return {
        result: isPermanentFailure(err) ? 'failed' : 'retry',
        error: err instanceof Error ? err.message : String(err),
      };
    }
  }

  private async recordOutcome(record: EmailRecord, outcome: Outcome): Promise<void> {
    const mine = { _id: record._id, claim: record.claim, status: EmailStatus.Pending };
    const context = { emailId: record._id, kind: record.kind, attempts: record.attempts };
    let update;
    if (outcome.result === 'sent') {
      update = { $set: { status: EmailStatus.Sent, sentAt: new Date() }, $unset: { nextAttemptAt: 1, claim: 1 } };
      this.metrics.attempt('ok');
      this.logger.info(context, 'email sent');
    } else if (outcome.result === 'failed') {
      update = {
        $set: { status: EmailStatus.Failed, failedAt: new Date(), lastError: outcome.error },
        $unset: { nextAttemptAt: 1, claim: 1 },
      };
      this.metrics.attempt('permanent');
      this.logger.error({ ...context, error: outcome.error }, 'email refused for good by the SMTP server');
    } else {
      const retryInMs = backoffDelay(record.attempts, this.retryBaseMs, this.retryMaxMs);
      update = {
        $set: { nextAttemptAt: new Date(Date.now() + retryInMs), lastError: outcome.error },
        $unset: { claim: 1 },
      };
      this.metrics.attempt('retry');
      this.logger.warn({ ...context, retryInMs, error: outcome.error }, 'email not sent, retrying later');
    }
    const result = await Email.updateOne(mine, update);
    if (result.modifiedCount === 0) {
      // The lease ran out during the attempt and another sender claimed the record: its outcome stands.
      this.logger.warn(context, 'email claim lost before its outcome was recorded');
      return;
    }
    if (outcome.result !== 'retry') this.metrics.email(record.kind, outcome.result);
  }
}

/** Runs an EmailSender every `intervalMs` (1 s by default) until stopped; then closes the SMTP transport. */
export function startEmailSender(options: EmailSenderOptions): BackgroundTask {
  const sender = new EmailSender(options);
  const task = startPeriodicTask({
    name: 'email sender',
    intervalMs: options.intervalMs ?? 1_000,
    logger: options.logger,
    run: async () => {
      await sender.sendDue();
    },
  });
  return {
    name: task.name,
    async stop() {
      sender.stop();
      await task.stop();
      options.transport.close();
    },
  };
}
