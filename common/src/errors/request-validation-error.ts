import type { ValidationError } from 'express-validator';
import { CustomError, SerializedError } from './custom-error';

/** 400 built from express-validator's errors: one entry per invalid field. */
export class RequestValidationError extends CustomError {
  readonly statusCode = 400;

  constructor(readonly validationErrors: ValidationError[]) {
    super('Invalid request parameters');
  }

  serializeErrors(): SerializedError[] {
    const serialized: SerializedError[] = [];
    const seenFields = new Set<string>();
    for (const error of this.validationErrors) {
      const message = String(error.msg);
      if (error.type !== 'field') {
        serialized.push({ message });
        continue;
      }
      // A field failing several rules reports only its first failure, as a form shows one message per input.
      if (seenFields.has(error.path)) continue;
      seenFields.add(error.path);
      serialized.push({ message, field: error.path });
    }
    return serialized;
  }
}
