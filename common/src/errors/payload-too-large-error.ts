import { requestMessages } from '../validation/messages';
import { CustomError, SerializedError } from './custom-error';

export class PayloadTooLargeError extends CustomError {
  readonly statusCode = 413;

  constructor(message = requestMessages.bodyTooLarge) {
    super(message);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}
