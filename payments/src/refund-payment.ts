import { PaymentStatus, Subjects, type Outbox } from '@ticketing/common';
import Stripe from 'stripe';
import { Payment, paymentRefundedData, type PaymentDocument } from './models/payment';
import type { PaymentMetrics } from './metrics';
import type { PaymentDependencies } from './stripe';

/**
 * Gives the money of a payment due a refund back to the buyer. Stripe refunds it once, however
 * often this runs (one idempotency key per payment), and the payment is marked refunded with one
 * payment.refunded, however many of the listener, the request, the webhook and the sweep get here.
 * Throws when Stripe cannot refund now: the payment stays due, for a later try.
 */
export async function refundPayment(deps: PaymentDependencies, payment: PaymentDocument): Promise<void> {
  const paymentId = payment._id.toHexString();
  let refund: Stripe.Refund | undefined;
  try {
    refund = await deps.stripe.refunds.create(
      { payment_intent: payment.stripeId, metadata: { orderId: payment.orderId, paymentId } },
      { idempotencyKey: `payments:refund:${paymentId}` },
    );
  } catch (err) {
    // Refunded at Stripe in the meantime (in its dashboard): the money is back all the same.
    if (!(err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'charge_already_refunded')) throw err;
  }
  await markPaymentRefunded(
    deps.outbox,
    payment.stripeId,
    { refundedAt: refund ? new Date(refund.created * 1000) : new Date(), refundId: refund?.id },
    deps.metrics,
  );
}

/** Refunds now when Stripe answers; otherwise the payment stays due and the refund sweep makes it later. */
export async function refundNowOrLater(deps: PaymentDependencies, payment: PaymentDocument): Promise<void> {
  try {
    await refundPayment(deps, payment);
  } catch (err) {
    deps.logger.warn(
      { err, paymentId: payment._id.toHexString(), orderId: payment.orderId },
      'refund failed, the refund sweep tries it again',
    );
  }
}

/**
 * Refunds the payments due a refund (those of `orderId` only, when given), at most `limit` of them
 * (0: all). Each is tried even when another fails; then the failures are thrown together.
 * Resolves with how many were refunded.
 */
export async function refundDuePayments(
  deps: PaymentDependencies,
  scope: { orderId?: string; limit?: number } = {},
): Promise<number> {
  const due = await Payment.find({ refundDue: true, ...(scope.orderId ? { orderId: scope.orderId } : {}) })
    .sort({ _id: 1 })
    .limit(scope.limit ?? 0);
  const failures: unknown[] = [];
  for (const payment of due) {
    try {
      await refundPayment(deps, payment);
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length > 0) {
    throw new AggregateError(failures, `${failures.length} of ${due.length} refunds failed`);
  }
  return due.length;
}

/**
 * Marks the payment of PaymentIntent `stripeId` refunded and publishes payment.refunded, in one
 * outbox transaction, unless it is already refunded. Resolves with the payment it marked, or null
 * when there was nothing to mark (already refunded, or no such payment).
 */
export async function markPaymentRefunded(
  outbox: Outbox,
  stripeId: string,
  refund: { refundedAt: Date; refundId?: string },
  metrics?: PaymentMetrics,
): Promise<PaymentDocument | null> {
  const marked = await outbox.transaction(async (session, record) => {
    const payment = await Payment.findOneAndUpdate(
      { stripeId, status: PaymentStatus.Succeeded },
      {
        $set: {
          status: PaymentStatus.Refunded,
          refundDue: false,
          refundedAt: refund.refundedAt,
          ...(refund.refundId ? { refundId: refund.refundId } : {}),
        },
      },
      { session, returnDocument: 'after' },
    );
    if (payment) {
      record(Subjects.PaymentRefunded, paymentRefundedData(payment, refund.refundedAt));
    } else if (refund.refundId) {
      // Our own refund's charge.refunded reached the webhook first; it does not carry the Refund's id.
      await Payment.updateOne(
        { stripeId, refundId: { $exists: false } },
        { $set: { refundId: refund.refundId } },
        {
          session,
        },
      );
    }
    return payment;
  });
  // Once committed, and once per payment: a payment already refunded is not marked again.
  if (marked) metrics?.refunds.inc();
  return marked;
}
