import { startPeriodicTask, type BackgroundTask } from '@ticketing/common';
import { refundDuePayments } from './refund-payment';
import type { PaymentDependencies } from './stripe';

export interface RefundSweepOptions {
  payments: PaymentDependencies;
  intervalMs: number;
  /** Payments refunded per sweep; the next sweep takes the rest. */
  batchSize?: number;
}

/**
 * The backstop of refunds: every `intervalMs`, refunds the payments still due a refund (Stripe was
 * unreachable when the order.cancelled listener, a payment request or the webhook tried, or the
 * listener gave up). Replicas sweeping at the same time refund each payment once: Stripe by its
 * idempotency key, the payment by its conditional update. A failed sweep is retried at the next round.
 */
export function startRefundSweep(options: RefundSweepOptions): BackgroundTask {
  const { payments } = options;
  return startPeriodicTask({
    name: 'refund sweep',
    intervalMs: options.intervalMs,
    logger: payments.logger,
    run: async () => {
      const refunded = await refundDuePayments(payments, { limit: options.batchSize ?? 100 });
      if (refunded > 0) payments.logger.info({ refunded }, 'refund sweep refunded payments');
    },
  });
}
