import { requestMessages } from '../validation/messages';
import { CustomError, SerializedError } from './custom-error';

/** 415: a write route got a body that is not UTF-8 JSON. */
export class UnsupportedMediaTypeError extends CustomError {
  readonly statusCode = 415;

  constructor(message = requestMessages.bodyNotJson) {
    super(message);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}
