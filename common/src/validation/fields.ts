import { body, type ValidationChain } from 'express-validator';
import { characterCount } from './characters';
import { fieldMessages } from './messages';
import { isObjectId } from './object-id';

/** A required body field that must be a string; the chain goes on with the field's own rules. */
function requiredString(name: string, label: string): ValidationChain {
  return body(name)
    .exists({ values: 'null' })
    .withMessage(fieldMessages.required(label))
    .bail()
    .isString()
    .withMessage(fieldMessages.mustBeString(label))
    .bail();
}

/** A required body field holding an id, e.g. `idField('ticketId', 'Ticket id')`. */
export function idField(name: string, label: string): ValidationChain {
  return requiredString(name, label).custom(isObjectId).withMessage(fieldMessages.invalidId(label));
}

/** A required, trimmed, non-empty body text of at most `maxCharacters` (counted by `characterCount`). */
export function textField(name: string, label: string, maxCharacters: number): ValidationChain {
  return requiredString(name, label)
    .trim()
    .notEmpty()
    .withMessage(fieldMessages.required(label))
    .bail()
    .custom((text: string) => characterCount(text) <= maxCharacters)
    .withMessage(fieldMessages.tooLong(label, maxCharacters));
}
