import { CustomError, SerializedError } from './custom-error';

export class NotFoundError extends CustomError {
  readonly statusCode = 404;

  constructor(message = 'Not found') {
    super(message);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}
