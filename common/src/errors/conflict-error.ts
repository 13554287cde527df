import { CustomError, SerializedError } from './custom-error';

export class ConflictError extends CustomError {
  readonly statusCode = 409;

  constructor(message = 'Conflict') {
    super(message);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}
