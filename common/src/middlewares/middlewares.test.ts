import { Router } from 'express';
import { body, matchedData } from 'express-validator';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { currentUser, requireAuth, requireObjectIdParam, signSessionJwt, validateRequest, verifySessionJwt } from '.';
import { createServiceApp } from '../kit/service-app';
import { createLogger } from '../kit/logger';
import { expiredSessionCookie, sessionCookie, signin, tamperedSessionCookie } from '../testing/signin';

const JWT_KEY = 'middleware-test-key';
const USER_ID = '5f0c1e2d3b4a596877665544';

function buildApp() {
  const router = Router();
  router.get('/whoami', (req, res) => {
    res.json({ currentUser: req.currentUser ?? null });
  });
  router.get('/private', requireAuth, (req, res) => {
    res.json({ id: req.currentUser?.id });
  });
  router.post(
    '/tickets',
    body('title').trim().notEmpty().withMessage('Title is required'),
    body('price').isFloat({ gt: 0 }).withMessage('Price must be greater than 0'),
    validateRequest,
    (req, res) => {
      res.status(201).json(matchedData(req));
    },
  );
  router.post('/no-fields', validateRequest, (_req, res) => {
    res.status(204).end();
  });
  return createServiceApp({ logger: createLogger('test', { level: 'silent' }), jwtKey: JWT_KEY, routers: [router] });
}

const app = buildApp();

describe('currentUser and requireAuth', () => {
  it('sets currentUser from a valid session and lets requireAuth through', async () => {
    const cookie = signin({ id: USER_ID, email: 'a@b.com', jwtKey: JWT_KEY });

    const whoami = await request(app).get('/whoami').set('Cookie', cookie);
    const privateRoute = await request(app).get('/private').set('Cookie', cookie);

    expect(whoami.body).toEqual({ currentUser: { id: USER_ID, email: 'a@b.com' } });
    expect(privateRoute.status).toBe(200);
    expect(privateRoute.body).toEqual({ id: USER_ID });
  });

  it.each([
    ['missing', []],
    ['tampered (payload changed, signature kept)', tamperedSessionCookie({ jwtKey: JWT_KEY, forgedId: USER_ID })],
    ['expired', expiredSessionCookie({ jwtKey: JWT_KEY })],
    ['signed with another key', signin({ jwtKey: 'some-other-key' })],
    ['not base64 JSON', ['session=%%%not-base64!!!']],
    ['base64 of something that is not JSON', [`session=${Buffer.from('{jwt:').toString('base64')}`]],
    ['a session without jwt', sessionCookie({ user: 'admin' })],
    ['a jwt that is not a string', sessionCookie({ jwt: { id: USER_ID } })],
    ['a jwt that is not a JWT', sessionCookie({ jwt: 'abc.def.ghi' })],
    [
      'unsigned (alg none)',
      sessionCookie({ jwt: jwt.sign({ id: USER_ID, email: 'a@b.com' }, null, { algorithm: 'none' }) }),
    ],
    [
      'signed with another algorithm',
      sessionCookie({ jwt: jwt.sign({ id: USER_ID, email: 'a@b.com' }, JWT_KEY, { algorithm: 'HS512' }) }),
    ],
    ['a payload without email', sessionCookie({ jwt: jwt.sign({ id: USER_ID }, JWT_KEY) })],
  ])('treats this session as signed out: %s', async (_description, cookie) => {
    const whoami = await request(app).get('/whoami').set('Cookie', cookie);
    const privateRoute = await request(app).get('/private').set('Cookie', cookie);

    expect(whoami.status).toBe(200);
    expect(whoami.body).toEqual({ currentUser: null });
    expect(privateRoute.status).toBe(401);
    expect(privateRoute.body).toEqual({ errors: [{ message: 'Sign in to do this' }] });
  });

  it('refuses to be built without a key', () => {
    expect(() => currentUser('')).toThrow('JWT key');
  });
});

describe('session JWT', () => {
  it('signs HS256 tokens with an expiry that verify back to the user, without extra claims', () => {
    const token = signSessionJwt({ id: USER_ID, email: 'a@b.com' }, JWT_KEY, 60);

    const decoded = jwt.decode(token, { complete: true });
    expect(decoded?.header.alg).toBe('HS256');
    expect(decoded?.payload).toMatchObject({ id: USER_ID, email: 'a@b.com', exp: expect.any(Number) });
    expect(verifySessionJwt(token, JWT_KEY)).toEqual({ id: USER_ID, email: 'a@b.com' });
    expect(verifySessionJwt(token, 'wrong-key')).toBeNull();
  });
});

describe('validateRequest', () => {
  it('answers 400 with one error per invalid field', async () => {
    const response = await request(app)
      .post('/tickets')
      .set('Cookie', signin({ jwtKey: JWT_KEY }))
      .send({ title: '   ', price: -3 });

    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      errors: [
        { message: 'Title is required', field: 'title' },
        { message: 'Price must be greater than 0', field: 'price' },
      ],
    });
  });

  it('lets valid input through to the handler', async () => {
    const response = await request(app).post('/tickets').send({ title: ' Concert ', price: '10.5' });

    expect(response.status).toBe(201);
    expect(response.body).toEqual({ title: 'Concert', price: '10.5' });
  });

  it('refuses fields no rule of the route checks, naming each of them', async () => {
    const response = await request(app)
      .post('/tickets')
      .send({ title: 'Concert', price: 10, userId: 'someone-else', extra: { nested: true } });

    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      errors: [
        { message: 'Unknown field userId: remove it from the request', field: 'userId' },
        { message: 'Unknown field extra: remove it from the request', field: 'extra' },
      ],
    });
  });

  it('refuses every field of a route that takes none', async () => {
    const response = await request(app).post('/no-fields').send({ anything: 1 });

    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      errors: [{ message: 'Unknown field anything: remove it from the request', field: 'anything' }],
    });
    await request(app).post('/no-fields').expect(204);
  });
});

describe('JSON-only bodies', () => {
  it.each([
    ['text/plain', 'title=Concert'],
    ['application/x-www-form-urlencoded', 'title=Concert&price=10'],
    ['multipart/form-data; boundary=x', '--x--'],
  ])('answers a %s body with 415 before the route runs', async (contentType, payload) => {
    const response = await request(app).post('/tickets').set('Content-Type', contentType).send(payload);

    expect(response.status).toBe(415);
    expect(response.body).toEqual({
      errors: [{ message: 'Send the request body as JSON, with Content-Type: application/json' }],
    });
  });

  it('answers JSON in another charset than UTF-8 with 415', async () => {
    const response = await request(app)
      .post('/tickets')
      .set('Content-Type', 'application/json; charset=latin1')
      .send('{"title":"Concert","price":10}');

    expect(response.status).toBe(415);
    expect(response.body).toEqual({ errors: [{ message: 'Send the request body encoded as UTF-8' }] });
  });

  it('accepts JSON declared as UTF-8', async () => {
    await request(app)
      .post('/tickets')
      .set('Content-Type', 'application/json; charset=UTF-8')
      .send('{"title":"Concert","price":10}')
      .expect(201);
  });

  it('answers a JSON body that is not an object with 400', async () => {
    const response = await request(app)
      .post('/tickets')
      .send([{ title: 'Concert', price: 10 }]);

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message: 'The request body must be a JSON object' }] });
  });
});

describe('notFoundHandler', () => {
  it('answers unknown routes with 404 in the error format', async () => {
    const response = await request(app).get('/api/nothing/here');

    expect(response.status).toBe(404);
    expect(response.body).toEqual({ errors: [{ message: 'No such route: check the method and the path' }] });
  });

  it('answers a known path with an unknown method with 404 too', async () => {
    const response = await request(app).delete('/whoami');

    expect(response.status).toBe(404);
    expect(response.body).toEqual({ errors: [{ message: 'No such route: check the method and the path' }] });
  });
});

describe('requireObjectIdParam', () => {
  const router = Router();
  router.get('/things/:id', requireObjectIdParam('id', 'Thing not found'), (req, res) => {
    res.json({ id: req.params.id });
  });
  const app = createServiceApp({ logger: createLogger('test'), jwtKey: JWT_KEY, routers: [router] });

  it.each(['not-an-id', '123', 'zzzzzzzzzzzzzzzzzzzzzzzz', '6b01f1392dad1b761be159a8x'])(
    'answers 404 for %s',
    async (id) => {
      const response = await request(app).get(`/things/${id}`).expect(404);
      expect(response.body).toEqual({ errors: [{ message: 'Thing not found' }] });
    },
  );

  it('passes a valid ObjectId on', async () => {
    await request(app).get('/things/6b01f1392dad1b761be159a8').expect(200, { id: '6b01f1392dad1b761be159a8' });
  });
});
