import type { PaymentIntent } from './payment-intents';

/** The `error` object of a Stripe API error response. */
export interface StripeErrorBody {
  type: 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  payment_intent?: PaymentIntent;
}

/** An API error answered as `{ error: body }` with `statusCode`, the way Stripe answers. */
export class StripeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
    this.name = 'StripeApiError';
  }
}

export function invalidRequest(
  message: string,
  details: { code?: string; param?: string; statusCode?: number; paymentIntent?: PaymentIntent } = {},
): StripeApiError {
  return new StripeApiError(details.statusCode ?? 400, {
    type: 'invalid_request_error',
    message,
    ...(details.code ? { code: details.code } : {}),
    ...(details.param ? { param: details.param } : {}),
    ...(details.paymentIntent ? { payment_intent: details.paymentIntent } : {}),
  });
}
