import { CustomError, SerializedError } from './custom-error';

/** 403: signed in, but not allowed to touch this resource (e.g. not its owner). */
export class ForbiddenError extends CustomError {
  readonly statusCode = 403;

  constructor(message = 'You are not allowed to do this') {
    super(message);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}
