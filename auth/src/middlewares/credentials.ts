import { characterCount, fieldMessages } from '@ticketing/common';
import { body, type ValidationChain } from 'express-validator';

export const MAX_EMAIL_LENGTH = 254;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;

/** `email`: a string, trimmed and lower-cased, of at most 254 characters, that is a valid address. */
export const emailField = (): ValidationChain =>
  body('email')
    .exists({ values: 'null' })
    .withMessage(fieldMessages.required('Email'))
    .bail()
    .isString()
    .withMessage(fieldMessages.mustBeString('Email'))
    .bail()
    .trim()
    .toLowerCase()
    .notEmpty()
    .withMessage(fieldMessages.required('Email'))
    .bail()
    .custom((email: string) => characterCount(email) <= MAX_EMAIL_LENGTH)
    .withMessage(fieldMessages.tooLong('Email', MAX_EMAIL_LENGTH))
    .bail()
    // isEmail's own length limits count UTF-16 units and bytes: the limit above, in characters, replaces them.
    .isEmail({ ignore_max_length: true })
    .withMessage('Email must be a valid email address');

/** `password`: a non-empty string taken exactly as typed (never trimmed), then `lengthRule`. */
function passwordField(lengthRule: (password: string) => boolean, lengthMessage: string): ValidationChain {
  return body('password')
    .exists({ values: 'null' })
    .withMessage(fieldMessages.required('Password'))
    .bail()
    .isString()
    .withMessage(fieldMessages.mustBeString('Password'))
    .bail()
    .notEmpty()
    .withMessage(fieldMessages.required('Password'))
    .bail()
    .custom(lengthRule)
    .withMessage(lengthMessage);
}

/** `password` of a new account: 8 to 128 characters. */
export const newPasswordField = (): ValidationChain =>
  passwordField((password) => {
    const length = characterCount(password);
    return length >= MIN_PASSWORD_LENGTH && length <= MAX_PASSWORD_LENGTH;
  }, `Password must be between ${MIN_PASSWORD_LENGTH} and ${MAX_PASSWORD_LENGTH} characters`);

/** `password` at sign-in: no longer than a new password may be (a longer one cannot be right). */
export const signinPasswordField = (): ValidationChain =>
  passwordField(
    (password) => characterCount(password) <= MAX_PASSWORD_LENGTH,
    fieldMessages.tooLong('Password', MAX_PASSWORD_LENGTH),
  );
