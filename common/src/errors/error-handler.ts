import type { ErrorRequestHandler, Request, Response } from 'express';
import type { Logger } from 'pino';
import { requestMessages } from '../validation/messages';
import { CustomError, SerializedError } from './custom-error';
import { TooManyRequestsError } from './too-many-requests-error';

/**
 * The shape of the errors body-parser raises (http-errors): `expose` says the
 * message is safe to show, `type` says what went wrong.
 */
interface HttpClientError {
  status: number;
  expose: true;
  type?: string;
  message: string;
}

function isHttpClientError(err: unknown): err is HttpClientError {
  if (typeof err !== 'object' || err === null) return false;
  const { status, expose } = err as Record<string, unknown>;
  return typeof status === 'number' && status >= 400 && status < 500 && expose === true;
}

function messageForHttpClientError(err: HttpClientError): string {
  switch (err.type) {
    case 'entity.parse.failed':
      return requestMessages.malformedJson;
    case 'entity.too.large':
      return requestMessages.bodyTooLarge;
    case 'encoding.unsupported':
      return requestMessages.bodyCompressed;
    default:
      return err.message;
  }
}

function sendErrors(res: Response, statusCode: number, errors: SerializedError[]): void {
  res.status(statusCode).json({ errors });
}

function logUnexpectedError(req: Request, err: unknown): void {
  // req.log is set by the request logger (pino-http); an app built without it still gets the error logged.
  const requestLogger = (req as { log?: Logger }).log;
  if (requestLogger) {
    requestLogger.error({ err }, 'Unhandled error');
  } else {
    console.error('Unhandled error', err);
  }
}

/**
 * Last middleware of every service: answers `{ errors: [{ message, field? }] }`.
 * Only CustomErrors and body-parser's client errors reveal their message; anything
 * else is a bug, logged and answered with a generic 500.
 */
export const errorHandler: ErrorRequestHandler = (err: unknown, req, res, next) => {
  // Once the response has started only Express's default handler can end it (it drops the connection).
  if (res.headersSent) {
    next(err);
    return;
  }

  if (err instanceof CustomError) {
    if (err instanceof TooManyRequestsError) {
      res.set('Retry-After', String(Math.max(0, Math.ceil(err.retryAfterSeconds))));
    }
    sendErrors(res, err.statusCode, err.serializeErrors());
    return;
  }

  if (isHttpClientError(err)) {
    sendErrors(res, err.status, [{ message: messageForHttpClientError(err) }]);
    return;
  }

  logUnexpectedError(req, err);
  sendErrors(res, 500, [{ message: requestMessages.internalError }]);
};
