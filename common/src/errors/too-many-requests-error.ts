import { CustomError, SerializedError } from './custom-error';

/** 429; errorHandler sends `retryAfterSeconds` as the Retry-After header. */
export class TooManyRequestsError extends CustomError {
  readonly statusCode = 429;

  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many requests: wait a moment and try again',
  ) {
    super(message);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}
