import { body, query, type ValidationChain } from 'express-validator';
import { characterCount, hasBidiControl, hasControlCharacter, looksBlank } from './characters';
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

/**
 * What every free text goes through, whether a body field or a query parameter: Unicode NFC (so
 * "café" is stored and searched one way, and counted as 4 characters however it was typed), trimmed,
 * then refused if it holds control characters (a text field is one line) or bidirectional controls.
 */
function checkedText(chain: ValidationChain, label: string): ValidationChain {
  return chain
    .customSanitizer((text: string) => text.normalize('NFC'))
    .trim()
    .custom((text: string) => !hasControlCharacter(text))
    .withMessage(fieldMessages.controlCharacters(label))
    .bail()
    .custom((text: string) => !hasBidiControl(text))
    .withMessage(fieldMessages.bidiControls(label))
    .bail();
}

/**
 * A required one-line body text of at most `maxCharacters` (counted by `characterCount`), with at
 * least one visible character; matchedData gives it normalised and trimmed (see checkedText).
 */
export function textField(name: string, label: string, maxCharacters: number): ValidationChain {
  return checkedText(requiredString(name, label), label)
    .notEmpty()
    .withMessage(fieldMessages.required(label))
    .bail()
    .custom((text: string) => !looksBlank(text))
    .withMessage(fieldMessages.invisible(label))
    .bail()
    .custom((text: string) => characterCount(text) <= maxCharacters)
    .withMessage(fieldMessages.tooLong(label, maxCharacters));
}

/** An optional one-line query text (a search) of at most `maxCharacters`, checked as textField's are; it may be empty. */
export function textQuery(name: string, label: string, maxCharacters: number): ValidationChain {
  const chain = query(name).optional().isString().withMessage(fieldMessages.mustBeString(label)).bail();
  return checkedText(chain, label)
    .custom((text: string) => characterCount(text) <= maxCharacters)
    .withMessage(fieldMessages.tooLong(label, maxCharacters));
}
