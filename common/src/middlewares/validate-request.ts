import type { RequestHandler } from 'express';
import { validationResult } from 'express-validator';
import { RequestValidationError } from '../errors/request-validation-error';

/** Put after express-validator chains: turns their failures into a 400 with one entry per field. */
export const validateRequest: RequestHandler = (req, _res, next) => {
  const result = validationResult(req);
  if (!result.isEmpty()) {
    throw new RequestValidationError(result.array());
  }
  next();
};
