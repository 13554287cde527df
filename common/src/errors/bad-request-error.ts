import { CustomError, SerializedError } from './custom-error';

/** 400: the request cannot be done as asked; `field` names the input at fault, when there is one. */
export class BadRequestError extends CustomError {
  readonly statusCode = 400;

  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }

  serializeErrors(): SerializedError[] {
    return [this.field ? { message: this.message, field: this.field } : { message: this.message }];
  }
}
