import { requestMessages } from '../validation/messages';
import { CustomError, SerializedError } from './custom-error';

/** 401: the request has no valid session. */
export class NotAuthorizedError extends CustomError {
  readonly statusCode = 401;

  constructor(message = requestMessages.notSignedIn) {
    super(message);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}
