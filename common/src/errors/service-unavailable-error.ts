import { CustomError, SerializedError } from './custom-error';

/** 503: a dependency the request needs (NATS, a database) cannot be reached; the request can be retried as it is. */
export class ServiceUnavailableError extends CustomError {
  readonly statusCode = 503;

  constructor(message: string) {
    super(message);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}
