import { createHash } from 'node:crypto';
import { BadRequestError, type Outbox } from '@ticketing/common';
import Stripe from 'stripe';
import { InvalidFieldError, PaymentDeclinedError, PaymentProviderError } from './errors';
import { Order, type OrderDocument } from './models/order';
import { Payment, recordPayment, type PaymentDocument } from './models/payment';

export interface ChargeDependencies {
  stripe: Stripe;
  outbox: Outbox;
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
 */
export async function chargeOrder(
  deps: ChargeDependencies,
  order: OrderDocument,
  request: ChargeRequest,
): Promise<ChargeOutcome> {
  const intentId = await ensurePaymentIntent(deps, order);
  const attempt = order.paymentAttempt;
  let intent: Stripe.PaymentIntent;
  try {
    intent = await deps.stripe.paymentIntents.confirm(
      intentId,
      { payment_method: request.paymentMethod },
      { idempotencyKey: confirmIdempotencyKey(order, attempt, request) },
    );
  } catch (err) {
    throw await translateStripeError(deps, order, attempt, err);
  }

  const recorded = await Payment.findOne({ stripeId: intent.id });
  // An earlier answer replayed for a repeated Idempotency-Key may be older than the payment it led to.
  if (recorded) return { kind: 'paid', payment: recorded };
  switch (intent.status) {
    case 'succeeded':
      return { kind: 'paid', payment: await recordPayment(deps.outbox, succeeded(order, intent)) };
    case 'requires_action':
      return { kind: 'requires_action', intent };
    case 'processing':
      return { kind: 'processing', intent };
    default:
      throw new Error(`PaymentIntent ${intent.id} confirmed with unexpected status ${intent.status}`);
  }
}

/** The order's PaymentIntent, created on its first attempt (simultaneous first attempts share it). */
async function ensurePaymentIntent(deps: ChargeDependencies, order: OrderDocument): Promise<string> {
  if (order.paymentIntentId) return order.paymentIntentId;
  let intent: Stripe.PaymentIntent;
  try {
    intent = await deps.stripe.paymentIntents.create(
      {
        amount: order.amountInCents(),
        currency: deps.currency,
        metadata: { orderId: order.id as string, userId: order.userId },
        // Cards are confirmed server-side; a method that leaves the page would need a return URL.
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      },
      { idempotencyKey: `payments:intent:${order.id as string}` },
    );
  } catch (err) {
    throw await translateStripeError(deps, order, order.paymentAttempt, err);
  }
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

function succeeded(order: OrderDocument, intent: Stripe.PaymentIntent) {
  return {
    orderId: order.id as string,
    stripeId: intent.id,
    amount: intent.amount_received,
    currency: intent.currency,
  };
}

async function translateStripeError(
  deps: ChargeDependencies,
  order: OrderDocument,
  attempt: number,
  err: unknown,
): Promise<Error> {
  if (err instanceof Stripe.errors.StripeCardError) {
    // Only the first of simultaneous declines of one attempt advances the counter.
    await Order.updateOne({ _id: order._id, paymentAttempt: attempt }, { $inc: { paymentAttempt: 1 } });
    return new PaymentDeclinedError(err.message);
  }
  if (err instanceof Stripe.errors.StripeIdempotencyError) {
    return new BadRequestError('This Idempotency-Key was already used for a different payment request');
  }
  if (err instanceof Stripe.errors.StripeInvalidRequestError) {
    if (err.code === 'payment_intent_unexpected_state' && err.payment_intent?.status === 'succeeded') {
      // Paid by a simultaneous attempt; make sure it is recorded even if its webhook is late.
      await recordPayment(deps.outbox, succeeded(order, err.payment_intent));
      return new BadRequestError('Order has already been paid');
    }
    if (err.param === 'payment_method') return new InvalidFieldError('Unknown payment method', 'paymentMethod');
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
