import { BadRequestError, CustomError, type SerializedError } from '@ticketing/common';
import type { RequestHandler } from 'express';

/** 400 with one entry per field the endpoint does not take; values are left out (one could be a password). */
export class UnknownFieldsError extends CustomError {
  readonly statusCode = 400;

  constructor(readonly fields: string[]) {
    super(`Unknown fields: ${fields.join(', ')}`);
  }

  serializeErrors(): SerializedError[] {
    return this.fields.map((field) => ({ message: `Unknown field ${field}`, field }));
  }
}

/** Rejects a body with fields other than `allowed`, or a JSON body that is not an object (an array, a string). */
export function onlyBodyFields(...allowed: string[]): RequestHandler {
  return (req, _res, next) => {
    const body: unknown = req.body ?? {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new BadRequestError('Body must be a JSON object');
    }
    const unknown = Object.keys(body).filter((name) => !allowed.includes(name));
    if (unknown.length > 0) throw new UnknownFieldsError(unknown);
    next();
  };
}
