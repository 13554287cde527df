import type { ValidationError } from 'express-validator';
import { fieldMessages } from '../validation/messages';
import { CustomError, SerializedError } from './custom-error';

/** 400 built from express-validator's errors: one entry per invalid or unknown field. */
export class RequestValidationError extends CustomError {
  readonly statusCode = 400;

  constructor(readonly validationErrors: ValidationError[]) {
    super('Invalid request parameters');
  }

  serializeErrors(): SerializedError[] {
    const serialized: SerializedError[] = [];
    const seenFields = new Set<string>();
    const add = (message: string, field: string) => {
      // A field failing several rules reports only its first failure, as a form shows one message per input.
      if (seenFields.has(field)) return;
      seenFields.add(field);
      serialized.push({ message, field });
    };
    for (const error of this.validationErrors) {
      switch (error.type) {
        case 'field':
          add(String(error.msg), error.path);
          break;
        case 'unknown_fields':
          for (const unknown of error.fields) add(fieldMessages.unknownField(unknown.path), unknown.path);
          break;
        default:
          serialized.push({ message: String(error.msg) });
      }
    }
    return serialized;
  }
}
