import { verifySessionJwt } from '@ticketing/common';
import { TEST_JWT_KEYS } from '@ticketing/common/testing';
import type { Express } from 'express';
import request from 'supertest';
import { AttemptCounter, type SigninThrottleOptions } from '../../src/models/throttle';
import { User } from '../../src/models/user';
import {
  buildApp,
  jwtIn,
  PASSWORD,
  scryptHash,
  sessionCookieFrom,
  setCookies,
  signin,
  signup,
  useTestEnvironment,
} from '../setup';

useTestEnvironment();

const WINDOW_SECONDS = 600;
const app = buildApp();

function throttledApp(limits: Partial<SigninThrottleOptions>) {
  return buildApp({
    signinThrottle: {
      maxFailuresPerEmailAndClient: 100,
      maxFailuresPerClient: 100,
      maxFailuresPerEmail: 100,
      windowSeconds: WINDOW_SECONDS,
      ...limits,
    },
  });
}

describe('POST /api/users/signin', () => {
  it('answers 200 { id, email } with a session for the right password', async () => {
    const created = await signup(app, 'alice@example.com');

    const response = await signin(app, ' Alice@Example.com ');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ id: created.body.id, email: 'alice@example.com' });
    expect(await verifySessionJwt(jwtIn(sessionCookieFrom(response)), TEST_JWT_KEYS.publicKeys)).toEqual({
      ...response.body,
      sid: expect.any(String),
      jti: expect.any(String),
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
  });

  it('answers the same 400 for a wrong password and an unknown email, naming no field, without a session', async () => {
    await signup(app, 'alice@example.com');

    const wrongPassword = await signin(app, 'alice@example.com', 'not the password');
    const unknownEmail = await signin(app, 'nobody@example.com', PASSWORD);

    for (const response of [wrongPassword, unknownEmail]) {
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ errors: [{ message: 'Wrong email or password: check both and try again' }] });
      expect(setCookies(response)).toEqual([]);
    }
  });

  it.each([
    ['a missing email', { password: PASSWORD }, 'email', 'Email is required'],
    ['a null email', { email: null, password: PASSWORD }, 'email', 'Email is required'],
    ['an invalid email', { email: 'alice@', password: PASSWORD }, 'email', 'Email must be a valid email address'],
    ['an operator object as email', { email: { $ne: null }, password: PASSWORD }, 'email', 'Email must be a string'],
    [
      'a regex-shaped object as email',
      { email: { $regex: '.*' }, password: PASSWORD },
      'email',
      'Email must be a string',
    ],
    ['a missing password', { email: 'alice@example.com' }, 'password', 'Password is required'],
    [
      'an operator object as password',
      { email: 'alice@example.com', password: { $ne: null } },
      'password',
      'Password must be a string',
    ],
    [
      'an array as password',
      { email: 'alice@example.com', password: [PASSWORD] },
      'password',
      'Password must be a string',
    ],
    ['an empty password', { email: 'alice@example.com', password: '' }, 'password', 'Password is required'],
    [
      'a 129-character password',
      { email: 'alice@example.com', password: '\u{1F511}'.repeat(129) },
      'password',
      'Password must be at most 128 characters',
    ],
  ])('answers 400 for %s, before any query', async (_description, body, field, message) => {
    await signup(app, 'alice@example.com');

    const response = await request(app).post('/api/users/signin').send(body);

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message, field }] });
    expect(setCookies(response)).toEqual([]);
    // Not even counted as an attempt: the input never reached the database.
    expect(await AttemptCounter.countDocuments({ _id: /^signin-/ })).toBe(0);
  });

  it('takes a password of 128 characters, however many UTF-16 units they are', async () => {
    const password = '\u{1F511}'.repeat(128);
    await signup(app, 'alice@example.com', password).expect(201);

    await signin(app, 'alice@example.com', password).expect(200);
  });

  it('replaces a scrypt hash from before argon2 at the next successful sign-in, not at a failed one', async () => {
    const oldHash = scryptHash(PASSWORD);
    const { _id } = await User.create({ email: 'alice@example.com', passwordHash: oldHash });
    const storedHash = async () => (await User.findById(_id).select('+passwordHash'))?.passwordHash;

    await signin(app, 'alice@example.com', 'wrong password').expect(400);
    expect(await storedHash()).toBe(oldHash);

    await signin(app, 'alice@example.com').expect(200);
    const newHash = await storedHash();
    expect(newHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

    await signin(app, 'alice@example.com').expect(200);
    expect(await storedHash()).toBe(newHash);
    await signin(app, 'alice@example.com', 'wrong password').expect(400);
  });

  it('sets the session cookie httpOnly and SameSite=Lax, Secure only over HTTPS (from a trusted proxy)', async () => {
    await signup(app, 'alice@example.com');

    const overHttp = await signin(app, 'alice@example.com');
    const overHttps = await request(app)
      .post('/api/users/signin')
      .set('X-Forwarded-Proto', 'https')
      .send({ email: 'alice@example.com', password: PASSWORD });

    const [httpCookie] = setCookies(overHttp);
    const [httpsCookie] = setCookies(overHttps);
    for (const cookie of [httpCookie, httpsCookie]) {
      expect(cookie).toMatch(/^session=/);
      expect(cookie.toLowerCase()).toContain('; httponly');
      expect(cookie.toLowerCase()).toContain('; samesite=lax');
    }
    expect(httpCookie.toLowerCase()).not.toContain('; secure');
    expect(httpsCookie.toLowerCase()).toContain('; secure');
  });

  it('issues a JWT that expires after JWT_EXPIRES_IN', async () => {
    const shortLived = buildApp({ jwtExpiresIn: 600 });
    await signup(shortLived, 'alice@example.com');

    const response = await signin(shortLived, 'alice@example.com');

    const [, payload] = jwtIn(sessionCookieFrom(response)).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iat: number; exp: number };
    expect(claims.exp - claims.iat).toBe(600);
  });

  describe('throttling', () => {
    it('stops a client guessing one email after too many failures, while the owner elsewhere still gets in', async () => {
      const throttled = throttledApp({ maxFailuresPerEmailAndClient: 3 });
      await signup(throttled, 'alice@example.com');
      await signup(throttled, 'bob@example.com');

      for (let guess = 1; guess <= 3; guess++) {
        await signin(throttled, 'alice@example.com', `guess number ${guess}`, '203.0.113.66').expect(400);
      }
      const locked = await signin(throttled, 'alice@example.com', PASSWORD, '203.0.113.66');

      expect(locked.status).toBe(429);
      expect(locked.body).toEqual({
        errors: [{ message: 'Too many failed sign-in attempts: try again in 10 minutes' }],
      });
      const retryAfter = Number(locked.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
      expect(setCookies(locked)).toEqual([]);
      // The owner, from their own client, is not locked out by a stranger's guesses.
      await signin(throttled, 'alice@example.com', PASSWORD, '198.51.100.10').expect(200);
      // The limit is for this email from this client: the client may still sign in to another account.
      await signin(throttled, 'bob@example.com', PASSWORD, '203.0.113.66').expect(200);
    });

    it('answers 429 once one client address has had too many failures, whatever the emails', async () => {
      const throttled = throttledApp({ maxFailuresPerClient: 3 });
      await signup(throttled, 'alice@example.com');

      for (const email of ['a@example.com', 'b@example.com', 'c@example.com']) {
        await signin(throttled, email, PASSWORD, '203.0.113.7').expect(400);
      }

      const blocked = await signin(throttled, 'alice@example.com', PASSWORD, '203.0.113.7');
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      await signin(throttled, 'alice@example.com', PASSWORD, '203.0.113.8').expect(200);
    });

    it('has a ceiling for one email from all addresses together, which other accounts do not share', async () => {
      const throttled = throttledApp({ maxFailuresPerEmail: 3 });
      await signup(throttled, 'alice@example.com');
      await signup(throttled, 'bob@example.com');

      for (const clientAddress of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
        await signin(throttled, 'alice@example.com', 'wrong password', clientAddress).expect(400);
      }

      await signin(throttled, 'alice@example.com', PASSWORD, '10.0.0.4').expect(429);
      await signin(throttled, 'bob@example.com', PASSWORD, '10.0.0.4').expect(200);
    });

    it('says when to try again in whole minutes, rounded up', async () => {
      const shortWindow = throttledApp({ maxFailuresPerEmailAndClient: 1, windowSeconds: 30 });
      await signin(shortWindow, 'alice@example.com', PASSWORD).expect(400);

      const locked = await signin(shortWindow, 'alice@example.com', PASSWORD);

      expect(locked.status).toBe(429);
      expect(locked.body).toEqual({ errors: [{ message: 'Too many failed sign-in attempts: try again in 1 minute' }] });
      expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(30);
    });

    it('counts failures for unknown emails too', async () => {
      const throttled = throttledApp({ maxFailuresPerEmailAndClient: 2 });

      await signin(throttled, 'nobody@example.com', PASSWORD, '10.0.0.1').expect(400);
      await signin(throttled, 'NOBODY@example.com', PASSWORD, '10.0.0.1').expect(400);

      await signin(throttled, 'nobody@example.com', PASSWORD, '10.0.0.1').expect(429);
    });

    it('counts on shared state, so every replica enforces the same limits', async () => {
      const limits = { maxFailuresPerEmailAndClient: 2 };
      const [replicaA, replicaB] = [throttledApp(limits), throttledApp(limits)];
      await signup(replicaA, 'alice@example.com');

      await signin(replicaA, 'alice@example.com', 'wrong password', '203.0.113.66').expect(400);
      await signin(replicaB, 'alice@example.com', 'wrong password', '203.0.113.66').expect(400);

      await signin(replicaA, 'alice@example.com', PASSWORD, '203.0.113.66').expect(429);
      await signin(replicaB, 'alice@example.com', PASSWORD, '203.0.113.66').expect(429);
      await signin(replicaB, 'alice@example.com', PASSWORD, '198.51.100.10').expect(200);
    });

    it('lets no more parallel guesses through than the limit', async () => {
      const throttled = throttledApp({ maxFailuresPerEmailAndClient: 3 });
      await signup(throttled, 'alice@example.com');

      const responses = await Promise.all(
        Array.from({ length: 8 }, (_, index) => signin(throttled, 'alice@example.com', `guess number ${index}`)),
      );

      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([400, 400, 400, 429, 429, 429, 429, 429]);
    });

    it('starts the email afresh on that client after a successful sign-in', async () => {
      const throttled = throttledApp({ maxFailuresPerEmailAndClient: 3 });
      await signup(throttled, 'alice@example.com');
      await signin(throttled, 'alice@example.com', 'wrong password').expect(400);
      await signin(throttled, 'alice@example.com', 'wrong password').expect(400);

      await signin(throttled, 'alice@example.com', PASSWORD).expect(200);

      await signin(throttled, 'alice@example.com', 'wrong password').expect(400);
      await signin(throttled, 'alice@example.com', 'wrong password').expect(400);
      await signin(throttled, 'alice@example.com', PASSWORD).expect(200);
    });

    it('does not give the guessers elsewhere a fresh start when the owner signs in', async () => {
      const throttled = throttledApp({ maxFailuresPerEmail: 3 });
      await signup(throttled, 'alice@example.com');
      await signin(throttled, 'alice@example.com', 'wrong password', '203.0.113.1').expect(400);
      await signin(throttled, 'alice@example.com', 'wrong password', '203.0.113.2').expect(400);

      await signin(throttled, 'alice@example.com', PASSWORD, '198.51.100.10').expect(200);

      await signin(throttled, 'alice@example.com', 'wrong password', '203.0.113.3').expect(400);
      await signin(throttled, 'alice@example.com', 'wrong password', '203.0.113.4').expect(429);
    });

    it('does not count successful sign-ins or refused attempts against the client address', async () => {
      const throttled = throttledApp({ maxFailuresPerEmailAndClient: 1, maxFailuresPerClient: 2 });
      await signup(throttled, 'alice@example.com');
      await signup(throttled, 'bob@example.com');

      await signin(throttled, 'alice@example.com', PASSWORD, '198.51.100.1').expect(200);
      await signin(throttled, 'alice@example.com', PASSWORD, '198.51.100.1').expect(200);
      await signin(throttled, 'carol@example.com', PASSWORD, '198.51.100.1').expect(400);
      // carol@ is now locked for this client; asking again is refused without counting against the client.
      await signin(throttled, 'carol@example.com', PASSWORD, '198.51.100.1').expect(429);
      await signin(throttled, 'carol@example.com', PASSWORD, '198.51.100.1').expect(429);

      await signin(throttled, 'bob@example.com', PASSWORD, '198.51.100.1').expect(200);
    });

    it('accepts attempts again once the window has passed', async () => {
      const throttled = throttledApp({ maxFailuresPerEmailAndClient: 1 });
      await signup(throttled, 'alice@example.com');
      await signin(throttled, 'alice@example.com', 'wrong password').expect(400);
      await signin(throttled, 'alice@example.com', PASSWORD).expect(429);

      // As if the window had started longer ago than its length.
      const longAgo = new Date(Date.now() - (WINDOW_SECONDS + 1) * 1000);
      await AttemptCounter.updateMany({}, { $set: { windowStartedAt: longAgo } });

      await signin(throttled, 'alice@example.com', PASSWORD).expect(200);
    });

    it('keeps its counters in a collection with a TTL index', async () => {
      const throttled = throttledApp({ maxFailuresPerEmailAndClient: 5 });
      await signin(throttled, 'alice@example.com', PASSWORD, '192.0.2.1').expect(400);

      const counters = await AttemptCounter.find().sort({ _id: 1 }).lean();
      expect(counters).toEqual([
        expect.objectContaining({ _id: 'signin-client:192.0.2.1', count: 1 }),
        expect.objectContaining({ _id: 'signin-email:alice@example.com', count: 1 }),
        expect.objectContaining({ _id: 'signin-pair:192.0.2.1 alice@example.com', count: 1 }),
      ]);
      const [counter] = counters;
      expect(counter.expiresAt.getTime() - counter.windowStartedAt.getTime()).toBe(WINDOW_SECONDS * 1000);
      const indexes = await AttemptCounter.collection.indexes();
      expect(indexes).toContainEqual(expect.objectContaining({ key: { expiresAt: 1 }, expireAfterSeconds: 0 }));
      expect(await User.countDocuments()).toBe(0);
    });
  });

  describe('behind proxies', () => {
    // As runService sets it from TRUST_PROXY. With the ingress at 10.0.0.1, this test's own
    // loopback connection is a stranger, whose X-Forwarded-* headers must be ignored.
    const INGRESS = '10.0.0.1';

    it('ignores X-Forwarded-For from a peer that is not a trusted proxy: a guesser cannot pose as new clients', async () => {
      const throttled = throttledApp({ maxFailuresPerEmailAndClient: 2 });
      throttled.set('trust proxy', INGRESS);
      await signup(throttled, 'alice@example.com');

      await signin(throttled, 'alice@example.com', 'guess number 1', '203.0.113.1').expect(400);
      await signin(throttled, 'alice@example.com', 'guess number 2', '203.0.113.2').expect(400);

      await signin(throttled, 'alice@example.com', 'guess number 3', '203.0.113.3').expect(429);
    });

    it('honours X-Forwarded-For from a trusted proxy: each client behind it is counted apart', async () => {
      const throttled = throttledApp({ maxFailuresPerEmailAndClient: 2 });
      throttled.set('trust proxy', 'loopback');
      await signup(throttled, 'alice@example.com');

      await signin(throttled, 'alice@example.com', 'guess number 1', '203.0.113.1').expect(400);
      await signin(throttled, 'alice@example.com', 'guess number 2', '203.0.113.1').expect(400);
      await signin(throttled, 'alice@example.com', 'guess number 3', '203.0.113.1').expect(429);

      await signin(throttled, 'alice@example.com', 'guess number 4', '203.0.113.2').expect(400);
      await signin(throttled, 'alice@example.com', PASSWORD, '198.51.100.10').expect(200);
    });

    it('marks the session cookie Secure for a forwarded https only when a trusted proxy says so', async () => {
      const trusting = buildApp();
      trusting.set('trust proxy', 'loopback');
      const distrusting = buildApp();
      distrusting.set('trust proxy', INGRESS);
      await signup(trusting, 'alice@example.com');
      const signinOverHttps = (app: Express) =>
        request(app)
          .post('/api/users/signin')
          .set('X-Forwarded-Proto', 'https')
          .send({ email: 'alice@example.com', password: PASSWORD });

      const [fromProxy] = setCookies(await signinOverHttps(trusting).expect(200));
      const [fromStranger] = setCookies(await signinOverHttps(distrusting).expect(200));

      expect(fromProxy.toLowerCase()).toContain('; secure');
      expect(fromStranger).toMatch(/^session=/);
      expect(fromStranger.toLowerCase()).not.toContain('; secure');
    });
  });
});
