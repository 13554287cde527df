import { CustomError, type SerializedError } from '@ticketing/common';

/** 402: the card was declined; Stripe's words for the customer, and what to do. */
export class PaymentDeclinedError extends CustomError {
  readonly statusCode = 402;

  constructor(stripeMessage: string) {
    super(`${stripeMessage.replace(/\.$/, '')}: pay with another card`);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: this.message, field: 'paymentMethod' }];
  }
}

/** 502: Stripe could not be reached, failed, or answered what this service cannot use; the request can be retried safely. */
export class PaymentProviderError extends CustomError {
  readonly statusCode = 502;

  constructor(message = 'The payment provider cannot be reached: try again in a moment') {
    super(message);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}
