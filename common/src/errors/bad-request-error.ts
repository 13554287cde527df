import { CustomError, SerializedError } from './custom-error';

export class BadRequestError extends CustomError {
  readonly statusCode = 400;

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}
