import type { FormState } from './form-state';

/** What paying answered: errors, or the 3-D Secure step to take, or that the payment went through. */
export interface PaymentState extends FormState {
  /** Sent as the payment's Idempotency-Key: a repeated submit is the same payment, never a second one. */
  attemptKey: string;
  /** The page where the buyer authenticates the payment (3-D Secure), with the fake Stripe API. */
  authenticationUrl?: string;
  /** With real Stripe: what Stripe.js needs to take the buyer through authentication. */
  clientSecret?: string;
  paid?: boolean;
}

/** The state a payment form starts from, with the key of its first attempt. */
export function newPaymentState(): PaymentState {
  return { errors: [], values: {}, attemptKey: crypto.randomUUID() };
}
