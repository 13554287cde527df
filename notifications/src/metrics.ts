import { Counter, type ServiceMetrics } from '@ticketing/common';
import type { EmailKind } from './models/email';

/** How an email ended: sent (the SMTP server took it), failed (refused for good) or skipped (never to be sent). */
export type EmailOutcome = 'sent' | 'failed' | 'skipped';

/** How one attempt to hand an email to the SMTP server ended. */
export type SendAttemptResult = 'ok' | 'retry' | 'permanent';

/** The notifications service's own metrics, on the service's registry (served at its /metrics). */
export class NotificationMetrics {
  readonly emails: Counter<'kind' | 'result'>;
  readonly attempts: Counter<'result'>;

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
  }

  email(kind: EmailKind, result: EmailOutcome): void {
    this.emails.inc({ kind, result });
  }

  attempt(result: SendAttemptResult): void {
    this.attempts.inc({ result });
  }
}
