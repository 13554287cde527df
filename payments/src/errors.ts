import { CustomError, type SerializedError } from '@ticketing/common';

/** 402: the card was declined; the message is Stripe's, meant for the customer. */
export class PaymentDeclinedError extends CustomError {
  readonly statusCode = 402;

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}

/** 400 about one input field, for problems found only when Stripe sees the value. */
export class InvalidFieldError extends CustomError {
  readonly statusCode = 400;

  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: this.message, field: this.field }];
  }
}

/** 502: Stripe could not be reached or failed; the request can be retried safely. */
export class PaymentProviderError extends CustomError {
  readonly statusCode = 502;

  constructor(message = 'The payment provider is unavailable, please try again') {
    super(message);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}
