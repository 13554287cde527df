import { CustomError, SerializedError } from './custom-error';

export class PayloadTooLargeError extends CustomError {
  readonly statusCode = 413;

  constructor(message = 'Request body too large') {
    super(message);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}
