import express, { Router } from 'express';
import request from 'supertest';
import { BadRequestError, errorHandler, NotFoundError, TooManyRequestsError } from '.';
import { createServiceApp } from '../kit/service-app';
import { captureLogs } from '../testing/log-capture';
import { TEST_JWT_KEYS } from '../testing/signin';

function appThrowing(error: unknown) {
  const logs = captureLogs();
  const router = Router();
  router.get('/sync', () => {
    throw error;
  });
  router.get('/async', async () => {
    await Promise.resolve();
    throw error;
  });
  router.post('/echo', (req, res) => {
    res.json(req.body);
  });
  const app = createServiceApp({ logger: logs.logger, jwtPublicKeys: TEST_JWT_KEYS.publicKeys, routers: [router] });
  return { app, logs };
}

describe('errorHandler', () => {
  it('answers a CustomError with its status and serialized errors', async () => {
    const { app } = appThrowing(new BadRequestError('Ticket is reserved'));

    const response = await request(app).get('/sync');

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message: 'Ticket is reserved' }] });
  });

  it('catches errors thrown by async handlers (Express 5)', async () => {
    const { app } = appThrowing(new NotFoundError('Ticket not found'));

    const response = await request(app).get('/async');

    expect(response.status).toBe(404);
    expect(response.body).toEqual({ errors: [{ message: 'Ticket not found' }] });
  });

  it('sends Retry-After for a TooManyRequestsError, rounded up to whole seconds', async () => {
    const { app } = appThrowing(new TooManyRequestsError(29.2));

    const response = await request(app).get('/sync');

    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toBe('30');
    expect(response.body).toEqual({ errors: [{ message: 'Too many requests: wait a moment and try again' }] });
  });

  it('answers malformed JSON with 400 in the error format', async () => {
    const { app } = appThrowing(new Error('unused'));

    const response = await request(app).post('/echo').set('Content-Type', 'application/json').send('{"title": ');

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message: 'The request body is not valid JSON: check its syntax' }] });
  });

  it('answers a body over 100kb with 413 in the error format', async () => {
    const { app } = appThrowing(new Error('unused'));

    const response = await request(app)
      .post('/echo')
      .send({ title: 'x'.repeat(101 * 1024) });

    expect(response.status).toBe(413);
    expect(response.body).toEqual({ errors: [{ message: 'The request body is too large' }] });
  });

  it('accepts a body just under the limit', async () => {
    const { app } = appThrowing(new Error('unused'));
    const title = 'x'.repeat(99 * 1024);

    const response = await request(app).post('/echo').send({ title });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ title });
  });

  it('answers an unexpected error with a generic 500 and logs it', async () => {
    const { app, logs } = appThrowing(new Error('connection string mongodb://admin:hunter2@db leaked'));

    const response = await request(app).get('/async');

    expect(response.status).toBe(500);
    expect(response.body).toEqual({ errors: [{ message: 'Something went wrong on our side; try again later' }] });
    expect(response.text).not.toContain('hunter2');
    expect(response.text).not.toContain('at ');
    const logged = logs.lines.find((line) => line.msg === 'Unhandled error');
    expect(logged).toMatchObject({
      level: 50,
      err: { message: 'connection string mongodb://admin:hunter2@db leaked' },
    });
    expect((logged?.err as { stack: string }).stack).toContain('error-handler.test.ts');
  });

  it('treats a thrown non-Error value as unexpected', async () => {
    const { app } = appThrowing('just a string');

    const response = await request(app).get('/sync');

    expect(response.status).toBe(500);
    expect(response.body).toEqual({ errors: [{ message: 'Something went wrong on our side; try again later' }] });
  });

  it('does not trust an error that merely has a 4xx status without being exposable', async () => {
    const { app } = appThrowing(Object.assign(new Error('internal detail'), { status: 404 }));

    const response = await request(app).get('/sync');

    expect(response.status).toBe(500);
    expect(response.body).toEqual({ errors: [{ message: 'Something went wrong on our side; try again later' }] });
  });

  it('logs to the console when the app has no request logger', async () => {
    const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const app = express();
    app.get('/', () => {
      throw new Error('boom');
    });
    app.use(errorHandler);

    const response = await request(app).get('/');

    expect(response.status).toBe(500);
    expect(consoleError).toHaveBeenCalledWith('Unhandled error', expect.objectContaining({ message: 'boom' }));
    consoleError.mockRestore();
  });
});
