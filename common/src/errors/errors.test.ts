import express from 'express';
import { body, validationResult } from 'express-validator';
import request from 'supertest';
import {
  BadRequestError,
  ConflictError,
  CustomError,
  ForbiddenError,
  NotAuthorizedError,
  NotFoundError,
  NotOwnerError,
  PayloadTooLargeError,
  RequestValidationError,
  TooManyRequestsError,
  UnsupportedMediaTypeError,
} from '.';

describe('error classes', () => {
  it.each([
    [new BadRequestError('Cannot do that'), 400, [{ message: 'Cannot do that' }]],
    [new BadRequestError('Email in use', 'email'), 400, [{ message: 'Email in use', field: 'email' }]],
    [new NotFoundError(), 404, [{ message: 'Not found' }]],
    [new NotFoundError('Ticket not found'), 404, [{ message: 'Ticket not found' }]],
    [new NotAuthorizedError(), 401, [{ message: 'Sign in to do this' }]],
    [new ForbiddenError(), 403, [{ message: 'You are not allowed to do this' }]],
    [new NotOwnerError('order'), 403, [{ message: 'This order belongs to another user' }]],
    [new ConflictError('Ticket is reserved'), 409, [{ message: 'Ticket is reserved' }]],
    [new TooManyRequestsError(30), 429, [{ message: 'Too many requests: wait a moment and try again' }]],
    [new PayloadTooLargeError(), 413, [{ message: 'The request body is too large' }]],
    [
      new UnsupportedMediaTypeError(),
      415,
      [{ message: 'Send the request body as JSON, with Content-Type: application/json' }],
    ],
  ])('%s has status %i and serializes to its message', (error, statusCode, serialized) => {
    expect(error).toBeInstanceOf(CustomError);
    expect(error).toBeInstanceOf(Error);
    expect(error.statusCode).toBe(statusCode);
    expect(error.serializeErrors()).toEqual(serialized);
  });

  it('names errors after their class, for logs and stack traces', () => {
    expect(new ForbiddenError().name).toBe('ForbiddenError');
    expect(String(new BadRequestError('Nope'))).toBe('BadRequestError: Nope');
  });

  it('keeps the retry delay of a TooManyRequestsError', () => {
    expect(new TooManyRequestsError(42).retryAfterSeconds).toBe(42);
  });
});

describe('RequestValidationError', () => {
  async function validationErrorsFor(requestBody: object): Promise<RequestValidationError> {
    let captured: RequestValidationError | undefined;
    const app = express();
    app.use(express.json());
    app.post(
      '/',
      body('email').isEmail().withMessage('Email must be valid').isLength({ max: 5 }).withMessage('Too long'),
      body('password').notEmpty().withMessage('Password is required'),
      (req, res) => {
        captured = new RequestValidationError(validationResult(req).array());
        res.end();
      },
    );
    await request(app).post('/').send(requestBody);
    if (!captured) throw new Error('route did not run');
    return captured;
  }

  it('is a 400 with one entry per invalid field, naming the field', async () => {
    const error = await validationErrorsFor({ email: 'not an email at all' });

    expect(error.statusCode).toBe(400);
    expect(error.serializeErrors()).toEqual([
      { message: 'Email must be valid', field: 'email' },
      { message: 'Password is required', field: 'password' },
    ]);
  });

  it('reports only the first failure of a field', async () => {
    const error = await validationErrorsFor({ password: 'x' });

    expect(error.serializeErrors()).toEqual([{ message: 'Email must be valid', field: 'email' }]);
  });

  it('reports each unknown field as an error of that field', () => {
    const error = new RequestValidationError([
      {
        type: 'unknown_fields',
        msg: 'Unknown field(s)',
        fields: [
          { path: 'userId', location: 'body', value: 'x' },
          { path: 'extra', location: 'body', value: 1 },
        ],
      },
    ]);

    expect(error.serializeErrors()).toEqual([
      { message: 'Unknown field userId: remove it from the request', field: 'userId' },
      { message: 'Unknown field extra: remove it from the request', field: 'extra' },
    ]);
  });

  it('reports errors that belong to no single field without a field', () => {
    const error = new RequestValidationError([{ type: 'alternative', msg: 'Give one of them', nestedErrors: [] }]);

    expect(error.serializeErrors()).toEqual([{ message: 'Give one of them' }]);
  });
});
