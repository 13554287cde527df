import { Counter, type ServiceMetrics } from '@ticketing/common';

/** How a payment attempt (POST /api/payments) ended, as Stripe decided it. */
export type PaymentAttemptOutcome = 'succeeded' | 'declined' | 'requires_action' | 'failed';

/** The payments service's own metrics, on the service's registry (served at its /metrics). */
export class PaymentMetrics {
  readonly attempts: Counter<'outcome'>;
  readonly refunds: Counter;

  constructor(readonly service: ServiceMetrics) {
    const registers = [service.registry];
    this.attempts = new Counter({
      name: 'payment_attempts_total',
      help:
        'Payment attempts that reached Stripe, by outcome: succeeded (paid), declined (card refused), requires_action ' +
        '(the customer must authenticate), failed (any other error: Stripe unreachable, unknown payment method, paid ' +
        'meanwhile). Not counted: attempts refused before Stripe is asked, and those Stripe is still processing.',
      labelNames: ['outcome'],
      registers,
    });
    this.refunds = new Counter({
      name: 'payment_refunds_total',
      help: 'Payments marked refunded (by this service, or at Stripe and reported by its webhook).',
      registers,
    });
  }

  attempt(outcome: PaymentAttemptOutcome): void {
    this.attempts.inc({ outcome });
  }
}
