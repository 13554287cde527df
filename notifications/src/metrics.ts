import { Counter, Gauge, type ServiceMetrics } from '@ticketing/common';
import { Email, EmailStatus, type EmailKind } from './models/email';

/** How an email ended: sent (the SMTP server took it), failed (refused for good) or skipped (never to be sent). */
export type EmailOutcome = 'sent' | 'failed' | 'skipped';

/** How one attempt to hand an email to the SMTP server ended. */
export type SendAttemptResult = 'ok' | 'retry' | 'permanent';

/** A scrape must not hang on MongoDB: the backlog gauges keep their last value instead. */
const SCRAPE_QUERY_TIMEOUT_MS = 2_000;

interface Backlog {
  pending: number;
  oldestAgeSeconds: number;
}

/** The emails waiting to be sent, and how long the oldest has waited (it grows while SMTP is down). */
async function readBacklog(): Promise<Backlog> {
  const [pending, oldest] = await Promise.all([
    Email.countDocuments({ status: EmailStatus.Pending }),
    Email.findOne({ status: EmailStatus.Pending }, { createdAt: 1 }).sort({ createdAt: 1 }).lean(),
  ]);
  return { pending, oldestAgeSeconds: oldest ? Math.max(0, (Date.now() - oldest.createdAt.getTime()) / 1000) : 0 };
}

/** The notifications service's own metrics, on the service's registry (served at its /metrics). */
export class NotificationMetrics {
  readonly emails: Counter<'kind' | 'result'>;
  readonly attempts: Counter<'result'>;
  private backlog: Promise<Backlog | undefined> | undefined;

  constructor(readonly service: ServiceMetrics) {
    const registers = [service.registry];
    this.emails = new Counter({
      name: 'emails_sent_total',
      help:
        'Emails by kind and final result: sent (accepted by the SMTP server), failed (refused for good, see the ' +
        "record's lastError) or skipped (the user turned the kind off, or a welcome for an old account).",
      labelNames: ['kind', 'result'],
      registers,
    });
    this.attempts = new Counter({
      name: 'email_send_attempts_total',
      help:
        'Attempts to hand an email to the SMTP server: ok, retry (unreachable, timed out or a 4xx reply: tried ' +
        'again later) or permanent (a 5xx reply: the email failed).',
      labelNames: ['result'],
      registers,
    });
    const snapshot = () => this.backlogSnapshot();
    new Gauge({
      name: 'emails_pending',
      help: 'Emails recorded and not yet accepted by the SMTP server (being sent, or waiting for a retry).',
      registers,
      async collect() {
        const backlog = await snapshot();
        if (backlog) this.set(backlog.pending);
      },
    });
    new Gauge({
      name: 'emails_oldest_pending_age_seconds',
      help: 'How long the oldest email not yet sent has waited, in seconds (0 when none): grows while SMTP is down.',
      registers,
      async collect() {
        const backlog = await snapshot();
        if (backlog) this.set(backlog.oldestAgeSeconds);
      },
    });
  }

  /** One read of the backlog per scrape for both gauges, which prom-client collects concurrently. */
  private backlogSnapshot(): Promise<Backlog | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), SCRAPE_QUERY_TIMEOUT_MS);
    });
    this.backlog ??= Promise.race([readBacklog().catch(() => undefined), timeout]).finally(() => {
      clearTimeout(timer);
      this.backlog = undefined;
    });
    return this.backlog;
  }

  email(kind: EmailKind, result: EmailOutcome): void {
    this.emails.inc({ kind, result });
  }

  attempt(result: SendAttemptResult): void {
    this.attempts.inc({ result });
  }
}
