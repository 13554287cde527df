import { fieldMessages, textField } from '@ticketing/common';
import { body } from 'express-validator';
import { MAX_PRICE, MAX_TITLE_LENGTH } from './models/ticket';

// A price as the client writes it: units, optionally with one or two decimals (the sign is checked after).
const PRICE_TEXT = /^-?\d+(\.\d{1,2})?$/;

/**
 * The price in currency units, from a JSON number or a numeric string (the course's client
 * sends the form field as a string); undefined for anything else. A number is judged by its
 * shortest decimal form, so 10.1 passes and 10.123 or 1e-7 do not.
 */
function priceFromInput(value: unknown): number | undefined {
  let text: string;
  if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (typeof value === 'string') text = value.trim();
  else return undefined;
  if (!PRICE_TEXT.test(text)) return undefined;
  // Through integer cents, so the stored number is exactly the one the client wrote.
  return Math.round(Number(text) * 100) / 100;
}

/** Checks of `{ title, price }`, shared by create and edit; matchedData gives the trimmed title and the numeric price. */
export const ticketInputRules = [
  textField('title', 'Title', MAX_TITLE_LENGTH),
  body('price')
    .exists({ values: 'null' })
    .withMessage(fieldMessages.required('Price'))
    .bail()
    .custom((value) => priceFromInput(value) !== undefined)
    .withMessage('Price must be a number with at most two decimals, e.g. 25 or 19.99')
    .bail()
    .customSanitizer(priceFromInput)
    .custom((price: number) => price > 0)
    .withMessage('Price must be greater than 0')
    .bail()
    .custom((price: number) => price <= MAX_PRICE)
    .withMessage(`Price must be at most ${MAX_PRICE}`),
];
