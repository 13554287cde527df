import { verifySessionJwt } from '@ticketing/common';
import { TEST_JWT_KEYS } from '@ticketing/common/testing';
import request from 'supertest';
import { User } from '../../src/models/user';
import { buildApp, jwtIn, PASSWORD, sessionCookieFrom, setCookies, signup, useTestEnvironment } from '../setup';

useTestEnvironment();
const app = buildApp();

const EMAIL_IN_USE = 'This email is already in use: sign in instead';
const PASSWORD_LENGTH = 'Password must be between 8 and 128 characters';

describe('POST /api/users/signup', () => {
  it('creates the account, answers 201 { id, email } and signs the user in', async () => {
    const response = await signup(app, 'alice@example.com');

    expect(response.status).toBe(201);
    expect(response.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/), email: 'alice@example.com' });
    expect(await verifySessionJwt(jwtIn(sessionCookieFrom(response)), TEST_JWT_KEYS.publicKeys)).toEqual({
      ...response.body,
      sid: expect.any(String),
      jti: expect.any(String),
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
    expect(await User.countDocuments({ email: 'alice@example.com' })).toBe(1);
  });

  it('stores the email trimmed and lower-cased', async () => {
    const response = await signup(app, '  Alice@Example.COM ');

    expect(response.status).toBe(201);
    expect(response.body.email).toBe('alice@example.com');
    expect((await User.findById(response.body.id))?.email).toBe('alice@example.com');
  });

  it('stores a salted argon2id hash, never the password', async () => {
    await signup(app, 'a@example.com');
    await signup(app, 'b@example.com');

    const users = await User.find().select('+passwordHash');
    const hashes = users.map((user) => user.passwordHash);
    for (const hash of hashes) {
      expect(hash).toMatch(/^\$argon2id\$/);
      expect(hash).not.toContain(PASSWORD);
    }
    // Same password, different salts.
    expect(hashes[0]).not.toBe(hashes[1]);
  });

  it('answers 400 naming the email field for an email that has an account, whatever its case', async () => {
    await signup(app, 'alice@example.com').expect(201);

    const response = await signup(app, 'ALICE@example.com ');

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message: EMAIL_IN_USE, field: 'email' }] });
    expect(setCookies(response)).toEqual([]);
    expect(await User.countDocuments()).toBe(1);
  });

  it('creates one account when several sign-ups with one email race', async () => {
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, index) => signup(app, index % 2 ? 'RACE@example.com' : 'race@example.com')),
    );

    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 400, 400, 400, 400]);
    for (const response of responses.filter((r) => r.status === 400)) {
      expect(response.body).toEqual({ errors: [{ message: EMAIL_IN_USE, field: 'email' }] });
    }
    expect(await User.countDocuments()).toBe(1);
  });

  it.each([
    ['a missing email', { password: PASSWORD }, 'email', 'Email is required'],
    ['a null email', { email: null, password: PASSWORD }, 'email', 'Email is required'],
    ['a blank email', { email: '   ', password: PASSWORD }, 'email', 'Email is required'],
    ['a number as email', { email: 42, password: PASSWORD }, 'email', 'Email must be a string'],
    ['an operator object as email', { email: { $ne: null }, password: PASSWORD }, 'email', 'Email must be a string'],
    ['an array as email', { email: ['a@example.com'], password: PASSWORD }, 'email', 'Email must be a string'],
    ['an invalid email', { email: 'not-an-email', password: PASSWORD }, 'email', 'Email must be a valid email address'],
    [
      'an email of 255 characters',
      { email: `${'a'.repeat(243)}@example.com`, password: PASSWORD },
      'email',
      'Email must be at most 254 characters',
    ],
    ['a missing password', { email: 'a@example.com' }, 'password', 'Password is required'],
    ['an empty password', { email: 'a@example.com', password: '' }, 'password', 'Password is required'],
    ['a number as password', { email: 'a@example.com', password: 12345678 }, 'password', 'Password must be a string'],
    [
      'an operator object as password',
      { email: 'a@example.com', password: { $gt: '' } },
      'password',
      'Password must be a string',
    ],
    ['a 7-character password', { email: 'a@example.com', password: '1234567' }, 'password', PASSWORD_LENGTH],
    [
      'a 129-character password',
      { email: 'a@example.com', password: '\u{1F511}'.repeat(129) },
      'password',
      PASSWORD_LENGTH,
    ],
  ])('answers 400 for %s', async (_description, body, field, message) => {
    const response = await request(app).post('/api/users/signup').send(body);

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message, field }] });
    expect(await User.countDocuments()).toBe(0);
  });

  it('answers one error per field, in the order of the fields', async () => {
    const response = await request(app).post('/api/users/signup').send({});

    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      errors: [
        { message: 'Email is required', field: 'email' },
        { message: 'Password is required', field: 'password' },
      ],
    });
  });

  it('counts password lengths in characters (code points), not UTF-16 units', async () => {
    // 8 code points, one of them a variation selector that some counters skip.
    await signup(app, 'heart@example.com', 'abc\u2764\uFE0Fdef').expect(201);
    // 128 code points, 256 UTF-16 units.
    await signup(app, 'keys@example.com', '\u{1F511}'.repeat(128)).expect(201);
    await signup(app, 'short@example.com', '12345678').expect(201);
    await signup(app, 'long@example.com', 'p'.repeat(128)).expect(201);
  });

  it('answers 429 with Retry-After once one client address has signed up too often, whatever the outcome', async () => {
    const throttled = buildApp({ signupThrottle: { maxPerClient: 2, windowSeconds: 600 } });
    await signup(throttled, 'a@example.com', PASSWORD, '203.0.113.9').expect(201);
    // Taken emails count too: each try could have created an account.
    await signup(throttled, 'a@example.com', PASSWORD, '203.0.113.9').expect(400);

    const refused = await signup(throttled, 'b@example.com', PASSWORD, '203.0.113.9');

    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      errors: [{ message: 'Too many sign-ups from this address: try again in 10 minutes' }],
    });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(setCookies(refused)).toEqual([]);
    expect(await User.countDocuments()).toBe(1);
    // Other clients are not affected.
    await signup(throttled, 'b@example.com', PASSWORD, '203.0.113.10').expect(201);
  });

  it('takes an email of exactly 254 characters counted in code points, and refuses 255', async () => {
    // 254 code points, 483 UTF-16 units.
    const longest = `${'a'.repeat(20)}@${'\u{1F600}'.repeat(229)}.com`;
    // 255 code points, though a counter that skips variation selectors makes it 141.
    const tooLong = `${'a'.repeat(21)}@${'\u2764\uFE0F'.repeat(114)}x.com`;

    const created = await signup(app, longest);
    const refused = await signup(app, tooLong);

    expect(created.status).toBe(201);
    expect(created.body.email).toBe(longest);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ errors: [{ message: 'Email must be at most 254 characters', field: 'email' }] });
  });
});
