import { Router } from 'express';
import { body, matchedData } from 'express-validator';
import { decodeProtectedHeader, decodeJwt, SignJWT } from 'jose';
import request from 'supertest';
import {
  currentUser,
  generateJwtPrivateKey,
  jwtPublicKeysOf,
  requireAuth,
  requireObjectIdParam,
  signSessionJwt,
  validateRequest,
  verifySessionJwt,
  type JwtPublicKeys,
} from '.';
import type { RevocationList } from '../events/revoked-sessions';
import { createServiceApp } from '../kit/service-app';
import { createLogger } from '../kit/logger';
import { forgedSessionCookies, sessionCookie, signin, TEST_JWT_KEYS } from '../testing/signin';

const USER_ID = '5f0c1e2d3b4a596877665544';

function buildApp(jwtPublicKeys: JwtPublicKeys = TEST_JWT_KEYS.publicKeys, revokedSessions?: RevocationList) {
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
  return createServiceApp({
    logger: createLogger('test', { level: 'silent' }),
    jwtPublicKeys,
    revokedSessions,
    routers: [router],
  });
}

const app = buildApp();

async function expectSignedOut(cookie: string[], testedApp = app): Promise<void> {
  const whoami = await request(testedApp).get('/whoami').set('Cookie', cookie);
  const privateRoute = await request(testedApp).get('/private').set('Cookie', cookie);

  expect(whoami.status).toBe(200);
  expect(whoami.body).toEqual({ currentUser: null });
  expect(privateRoute.status).toBe(401);
  expect(privateRoute.body).toEqual({ errors: [{ message: 'Sign in to do this' }] });
}

describe('currentUser and requireAuth', () => {
  it('sets currentUser from a valid session and lets requireAuth through', async () => {
    const cookie = signin({ id: USER_ID, email: 'a@b.com' });

    const whoami = await request(app).get('/whoami').set('Cookie', cookie);
    const privateRoute = await request(app).get('/private').set('Cookie', cookie);

    expect(whoami.body).toEqual({ currentUser: { id: USER_ID, email: 'a@b.com' } });
    expect(privateRoute.status).toBe(200);
    expect(privateRoute.body).toEqual({ id: USER_ID });
  });

  it.each([
    ['missing', []],
    ...forgedSessionCookies(USER_ID),
    ['not base64 JSON', ['session=%%%not-base64!!!']],
    ['base64 of something that is not JSON', [`session=${Buffer.from('{jwt:').toString('base64')}`]],
    ['a session without jwt', sessionCookie({ user: 'admin' })],
    ['a jwt that is not a string', sessionCookie({ jwt: { id: USER_ID } })],
    ['a jwt that is not a JWT', sessionCookie({ jwt: 'abc.def.ghi' })],
  ])('treats this session as signed out: %s', async (_description, cookie) => {
    await expectSignedOut(cookie);
  });

  it('treats a token signed by auth whose payload has no email as signed out', async () => {
    const token = await new SignJWT({ id: USER_ID })
      .setProtectedHeader({ alg: 'EdDSA', kid: TEST_JWT_KEYS.privateKey.kid })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(TEST_JWT_KEYS.privateKey.key);

    await expectSignedOut(sessionCookie({ jwt: token }));
  });

  it('accepts a token of an older key while its public key is in the set, and not once it is removed', async () => {
    const oldKey = generateJwtPrivateKey('2026-10');
    const newKey = generateJwtPrivateKey('2026-11');
    const duringRotation = buildApp(jwtPublicKeysOf([newKey, oldKey]));
    const afterRotation = buildApp(jwtPublicKeysOf([newKey]));
    const signedWithOldKey = signin({ id: USER_ID, signingKey: oldKey });
    const signedWithNewKey = signin({ id: USER_ID, signingKey: newKey });

    for (const cookie of [signedWithOldKey, signedWithNewKey]) {
      await request(duringRotation).get('/private').set('Cookie', cookie).expect(200, { id: USER_ID });
    }
    await request(afterRotation).get('/private').set('Cookie', signedWithNewKey).expect(200, { id: USER_ID });
    await expectSignedOut(signedWithOldKey, afterRotation);
  });

  it('stops accepting a token it has verified before once the token expires', async () => {
    const testedApp = buildApp();
    const cookie = signin({ id: USER_ID, expiresIn: 60 });
    await request(testedApp).get('/private').set('Cookie', cookie).expect(200, { id: USER_ID });

    // A minute and a second later, the same token on the same app: remembered as verified, but expired.
    // Only the clock moves: the timers supertest and the app need stay real.
    jest.useFakeTimers({
      now: Date.now() + 61_000,
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    try {
      await expectSignedOut(cookie, testedApp);
    } finally {
      jest.useRealTimers();
    }
  });

  it('refuses to be built without a key', () => {
    expect(() => currentUser(new Map())).toThrow('currentUser needs at least one public key');
  });
});

describe('session JWT', () => {
  it('signs EdDSA tokens naming their kid, with an expiry, that verify back to the user with its public key only', async () => {
    const token = await signSessionJwt({ id: USER_ID, email: 'a@b.com' }, TEST_JWT_KEYS.privateKey, 60);

    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', kid: TEST_JWT_KEYS.privateKey.kid });
    const { iat, exp, sid, jti } = decodeJwt(token);
    expect(exp! - iat!).toBe(60);
    expect(await verifySessionJwt(token, TEST_JWT_KEYS.publicKeys)).toEqual({
      id: USER_ID,
      email: 'a@b.com',
      sid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iat,
      exp,
    });
    expect(jti).not.toBe(sid);
    const otherKey = generateJwtPrivateKey(TEST_JWT_KEYS.privateKey.kid);
    expect(await verifySessionJwt(token, jwtPublicKeysOf([otherKey]))).toBeNull();
  });

  it('renews a session: the same sid in a token of its own jti', async () => {
    const first = decodeJwt(await signSessionJwt({ id: USER_ID, email: 'a@b.com' }, TEST_JWT_KEYS.privateKey, 60));
    const renewed = decodeJwt(
      await signSessionJwt({ id: USER_ID, email: 'a@b.com' }, TEST_JWT_KEYS.privateKey, 60, first.sid as string),
    );

    expect(renewed.sid).toBe(first.sid);
    expect(renewed.jti).not.toBe(first.jti);
  });
});

describe('currentUser with revoked sessions', () => {
  it('treats a session of the revocation list as signed out, and only that session', async () => {
    const revoked = new Set(['signed-out-session']);
    const appWithRevocations = buildApp(TEST_JWT_KEYS.publicKeys, { isRevoked: (sessionId) => revoked.has(sessionId) });

    await expectSignedOut(signin({ id: USER_ID, sessionId: 'signed-out-session' }), appWithRevocations);
    const signedInThenOut = signin({ id: USER_ID, sessionId: 'signs-out-later' });
    await request(appWithRevocations).get('/private').set('Cookie', signedInThenOut).expect(200, { id: USER_ID });
    revoked.add('signs-out-later');
    await expectSignedOut(signedInThenOut, appWithRevocations);
    await request(appWithRevocations)
      .get('/private')
      .set('Cookie', signin({ id: USER_ID, sessionId: 'another-session' }))
      .expect(200, { id: USER_ID });
  });
});

describe('validateRequest', () => {
  it('answers 400 with one error per invalid field', async () => {
    const response = await request(app).post('/tickets').set('Cookie', signin()).send({ title: '   ', price: -3 });

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
  const app = createServiceApp({
    logger: createLogger('test'),
    jwtPublicKeys: TEST_JWT_KEYS.publicKeys,
    routers: [router],
  });

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
