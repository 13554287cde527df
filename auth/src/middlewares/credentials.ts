import { body } from 'express-validator';

const MAX_EMAIL_LENGTH = 254;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;

/** `email`: a string, trimmed and lower-cased, that is a valid address. */
export const emailField = () =>
  body('email')
    .isString()
    .withMessage('Email must be valid')
    .bail()
    .trim()
    .toLowerCase()
    .isLength({ max: MAX_EMAIL_LENGTH })
    .withMessage('Email must be valid')
    .isEmail()
    .withMessage('Email must be valid');

/** `password` of a new account: a string of 8 to 128 characters, taken exactly as typed. */
export const newPasswordField = () =>
  body('password')
    .isString()
    .withMessage(`Password must be between ${MIN_PASSWORD_LENGTH} and ${MAX_PASSWORD_LENGTH} characters`)
    .bail()
    .isLength({ min: MIN_PASSWORD_LENGTH, max: MAX_PASSWORD_LENGTH })
    .withMessage(`Password must be between ${MIN_PASSWORD_LENGTH} and ${MAX_PASSWORD_LENGTH} characters`);

/** `password` at sign-in: any non-empty string no longer than a new password may be. */
export const passwordField = () =>
  body('password')
    .isString()
    .withMessage('You must supply a password')
    .bail()
    .notEmpty()
    .withMessage('You must supply a password')
    .isLength({ max: MAX_PASSWORD_LENGTH })
    .withMessage(`Password must be at most ${MAX_PASSWORD_LENGTH} characters`);
