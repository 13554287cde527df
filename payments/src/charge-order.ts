import { createHash } from 'node:crypto';
import { BadRequestError } from '@ticketing/common';
import Stripe from 'stripe';
import { PaymentDeclinedError, PaymentProviderError } from './errors';
import { Order, type OrderDocument } from './models/order';
import { Payment, type PaymentDocument } from './models/payment';
import { recordPayment } from './record-payment';
import type { PaymentDependencies } from './stripe';

export interface ChargeDependencies extends PaymentDependencies {
  /** Lowercase ISO code, e.g. usd. */
  currency: string;
}

export interface ChargeRequest {
  paymentMethod: string;
  userId: string;
  /** The client's Idempotency-Key header, if it sent one. */
  requestKey?: string;
}

export type ChargeOutcome =
  | { kind: 'paid'; payment: PaymentDocument }
  /** The customer must act (3-D Secure); the webhook completes the payment. */
  | { kind: 'requires_action'; intent: Stripe.PaymentIntent }
  /** Stripe is still working on it; the webhook completes the payment. */
  | { kind: 'processing'; intent: Stripe.PaymentIntent };

/**
 * Pays an order with Stripe. Every attempt for an order confirms the same PaymentIntent,
 * and a PaymentIntent succeeds at most once, so two attempts (retried or simultaneous)
 * can never charge twice. Each confirmation carries an idempotency key: a retry of the same
 * request (same Idempotency-Key header, or the SDK's own network retries) gets Stripe's first
 * answer back instead of a new charge, while a new attempt after a decline gets a new key.
 * Every way Stripe can answer becomes an outcome or an error with a clear status.
 */
export async function chargeOrder(
  deps: ChargeDependencies,
  order: OrderDocument,
  request: ChargeRequest,
): Promise<ChargeOutcome> {
  checkPayable(order, request);
  // Every attempt that reached Stripe is counted by how it ended (payment_attempts_total).
  try {
    const outcome = await confirmPayment(deps, order, request);
    if (outcome.kind === 'paid') deps.metrics?.attempt('succeeded');
    else if (outcome.kind === 'requires_action') deps.metrics?.attempt('requires_action');
    return outcome;
  } catch (err) {
    deps.metrics?.attempt(err instanceof PaymentDeclinedError ? 'declined' : 'failed');
    throw err;
  }
}

async function confirmPayment(
  deps: ChargeDependencies,
  order: OrderDocument,
  request: ChargeRequest,
): Promise<ChargeOutcome> {
  const attempt = order.paymentAttempt;
  let intent: Stripe.PaymentIntent;
  try {
    const intentId = await ensurePaymentIntent(deps, order);
    intent = await deps.stripe.paymentIntents.confirm(
      intentId,
      // The charge comes expanded so that the card it was made with is recorded without another call.
      { payment_method: request.paymentMethod, expand: ['latest_charge'] },
      { idempotencyKey: confirmIdempotencyKey(order, attempt, request) },
    );
  } catch (err) {
    throw await translateStripeError(deps, order, attempt, err);
  }

  const recorded = await Payment.findOne({ stripeId: intent.id });
  // An earlier answer replayed for a repeated Idempotency-Key may be older than the payment it led to.
  if (recorded) return paid(recorded);
  switch (intent.status) {
    case 'succeeded':
      return paid(await recordPayment(deps, order.id as string, intent));
    case 'requires_action':
      return { kind: 'requires_action', intent };
    case 'processing':
      return { kind: 'processing', intent };
    case 'requires_payment_method':
      // Failed without a card error (e.g. authentication refused): the next attempt needs a new key.
      await advanceAttempt(order, attempt);
      throw new PaymentDeclinedError('The payment did not go through');
    case 'canceled':
      throw new BadRequestError("This order's payment was canceled at the payment provider: order the ticket again");
    default:
      throw new PaymentProviderError(
        `The payment provider answered with status ${intent.status}, which this service does not handle: try again later`,
      );
  }
}

function checkPayable(order: OrderDocument, request: ChargeRequest): void {
  if (order.isCancelled()) throw new BadRequestError('This order was cancelled: order the ticket again');
  if (order.isPaid()) {
    // With an Idempotency-Key this may be the retry of the request that paid it: Stripe knows.
    if (!request.requestKey) throw new BadRequestError('This order has already been paid');
    return;
  }
  if (order.isExpired(new Date())) throw new BadRequestError('This order has expired: order the ticket again');
}

function paid(payment: PaymentDocument): ChargeOutcome {
  if (payment.refundDue) {
    throw new BadRequestError('This order was cancelled while it was being paid: the payment will be refunded');
  }
  return { kind: 'paid', payment };
}

/** The order's PaymentIntent, created on its first attempt (simultaneous first attempts share it). */
async function ensurePaymentIntent(deps: ChargeDependencies, order: OrderDocument): Promise<string> {
  if (order.paymentIntentId) return order.paymentIntentId;
  const intent = await deps.stripe.paymentIntents.create(
    {
      amount: order.amountInCents(),
      currency: deps.currency,
      metadata: { orderId: order.id as string, userId: order.userId },
      // Cards are confirmed server-side; a method that leaves the page would need a return URL.
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    },
    { idempotencyKey: `payments:intent:${order.id as string}` },
  );
  await Order.updateOne({ _id: order._id, paymentIntentId: null }, { $set: { paymentIntentId: intent.id } });
  return intent.id;
}

function confirmIdempotencyKey(order: OrderDocument, attempt: number, request: ChargeRequest): string {
  const orderId = order.id as string;
  if (request.requestKey) {
    // Scoped to the user and order, and hashed to stay within Stripe's 255 characters.
    const scoped = createHash('sha256').update(`${request.userId}\n${request.requestKey}`).digest('hex');
    return `payments:confirm:${orderId}:request:${scoped}`;
  }
  return `payments:confirm:${orderId}:attempt:${attempt}:${request.paymentMethod}`;
}

/** After a failed attempt; only the first of simultaneous failures of one attempt advances the counter. */
async function advanceAttempt(order: OrderDocument, attempt: number): Promise<void> {
  await Order.updateOne({ _id: order._id, paymentAttempt: attempt }, { $inc: { paymentAttempt: 1 } });
}

async function translateStripeError(
  deps: ChargeDependencies,
  order: OrderDocument,
  attempt: number,
  err: unknown,
): Promise<Error> {
  if (err instanceof Stripe.errors.StripeCardError) {
    await advanceAttempt(order, attempt);
    return new PaymentDeclinedError(err.message);
  }
  if (err instanceof Stripe.errors.StripeIdempotencyError) {
    return new BadRequestError(
      'This Idempotency-Key was already used for another payment request: use a new key',
      'idempotency-key',
    );
  }
  if (err instanceof Stripe.errors.StripeInvalidRequestError) {
    if (err.code === 'payment_intent_unexpected_state' && err.payment_intent?.status === 'succeeded') {
      // Paid by a simultaneous attempt; make sure it is recorded even if that attempt fails to.
      await recordPayment(deps, order.id as string, err.payment_intent);
      return new BadRequestError('This order has already been paid');
    }
    if (err.param === 'payment_method') {
      return new BadRequestError(
        'Payment method not found: use a payment method id such as pm_card_visa',
        'paymentMethod',
      );
    }
    if (err.code === 'amount_too_small') {
      return new BadRequestError('The order amount is below the minimum the payment provider accepts');
    }
  }
  if (
    err instanceof Stripe.errors.StripeConnectionError ||
    err instanceof Stripe.errors.StripeAPIError ||
    err instanceof Stripe.errors.StripeRateLimitError
  ) {
    return new PaymentProviderError();
  }
  return err instanceof Error ? err : new Error(String(err));
}
