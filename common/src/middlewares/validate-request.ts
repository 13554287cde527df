import type { RequestHandler } from 'express';
import { checkExact, validationResult } from 'express-validator';
import { RequestValidationError } from '../errors/request-validation-error';

// Every body field must have been checked by one of the route's chains: an unknown field is a
// client's typo or a mass-assignment attempt, refused with 400 naming it rather than ignored.
const onlyCheckedBodyFields = checkExact([], { locations: ['body'] });

/**
 * Put after the route's express-validator chains (on every write route, even one that takes no
 * fields): a 400 with one entry per invalid or unknown body field.
 */
export const validateRequest: RequestHandler = async (req, _res, next) => {
  await onlyCheckedBodyFields.run(req);
  const result = validationResult(req);
  if (!result.isEmpty()) {
    throw new RequestValidationError(result.array());
  }
  next();
};
