import { verifySessionJwt } from '@ticketing/common';
import { TEST_JWT_KEY } from '@ticketing/common/testing';
import request from 'supertest';
import { User } from '../../src/models/user';
import { buildApp, jwtIn, PASSWORD, sessionCookieFrom, setCookies, signup, useTestEnvironment } from '../setup';

useTestEnvironment();
const app = buildApp();

describe('POST /api/users/signup', () => {
  it('creates the account, answers 201 { id, email } and signs the user in', async () => {
    const response = await signup(app, 'alice@example.com');

    expect(response.status).toBe(201);
    expect(response.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/), email: 'alice@example.com' });
    expect(verifySessionJwt(jwtIn(sessionCookieFrom(response)), TEST_JWT_KEY)).toEqual(response.body);
    expect(await User.countDocuments({ email: 'alice@example.com' })).toBe(1);
  });

  it('stores the email trimmed and lower-cased', async () => {
    const response = await signup(app, '  Alice@Example.COM ');

    expect(response.status).toBe(201);
    expect(response.body.email).toBe('alice@example.com');
    expect((await User.findById(response.body.id))?.email).toBe('alice@example.com');
  });

  it('stores a salted scrypt hash, never the password', async () => {
    await signup(app, 'a@example.com');
    await signup(app, 'b@example.com');

    const users = await User.find().select('+passwordHash');
    const hashes = users.map((user) => user.passwordHash);
    for (const hash of hashes) {
      expect(hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
      expect(hash).not.toContain(PASSWORD);
    }
    // Same password, different salts.
    expect(hashes[0]).not.toBe(hashes[1]);
  });

  it('answers 400 Email in use for an email that has an account, whatever its case', async () => {
    await signup(app, 'alice@example.com').expect(201);

    const response = await signup(app, 'ALICE@example.com ');

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message: 'Email in use' }] });
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
      expect(response.body).toEqual({ errors: [{ message: 'Email in use' }] });
    }
    expect(await User.countDocuments()).toBe(1);
  });

  it.each([
    ['missing email', { password: PASSWORD }, 'email', 'Email must be valid'],
    ['an invalid email', { email: 'not-an-email', password: PASSWORD }, 'email', 'Email must be valid'],
    [
      'an email too long',
      { email: `${'a'.repeat(250)}@example.com`, password: PASSWORD },
      'email',
      'Email must be valid',
    ],
    ['missing password', { email: 'a@example.com' }, 'password', 'Password must be between 8 and 128 characters'],
    [
      'a 7-character password',
      { email: 'a@example.com', password: '1234567' },
      'password',
      'Password must be between 8 and 128 characters',
    ],
    [
      'a 129-character password',
      { email: 'a@example.com', password: 'p'.repeat(129) },
      'password',
      'Password must be between 8 and 128 characters',
    ],
    [
      'a number as password',
      { email: 'a@example.com', password: 12345678 },
      'password',
      'Password must be between 8 and 128 characters',
    ],
    ['an operator object as email', { email: { $ne: null }, password: PASSWORD }, 'email', 'Email must be valid'],
    [
      'an operator object as password',
      { email: 'a@example.com', password: { $gt: '' } },
      'password',
      'Password must be between 8 and 128 characters',
    ],
    ['an array as email', { email: ['a@example.com'], password: PASSWORD }, 'email', 'Email must be valid'],
  ])('answers 400 for %s', async (_description, body, field, message) => {
    const response = await request(app).post('/api/users/signup').send(body);

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message, field }] });
    expect(await User.countDocuments()).toBe(0);
  });

  it('accepts passwords of exactly 8 and 128 characters', async () => {
    await signup(app, 'short@example.com', '12345678').expect(201);
    await signup(app, 'long@example.com', 'p'.repeat(128)).expect(201);
  });

  it('answers 400 naming each unknown field', async () => {
    const response = await request(app)
      .post('/api/users/signup')
      .send({ email: 'a@example.com', password: PASSWORD, isAdmin: true, $where: 'sleep(1000)' });

    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      errors: [
        { message: 'Unknown field isAdmin', field: 'isAdmin' },
        { message: 'Unknown field $where', field: '$where' },
      ],
    });
    expect(await User.countDocuments()).toBe(0);
  });

  it('answers 400 for a JSON body that is not an object', async () => {
    const response = await request(app)
      .post('/api/users/signup')
      .send([{ email: 'a@example.com', password: PASSWORD }]);

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message: 'Body must be a JSON object' }] });
  });

  it('answers 400 for malformed JSON and 413 for a huge body, in the error format', async () => {
    const malformed = await request(app)
      .post('/api/users/signup')
      .set('Content-Type', 'application/json')
      .send('{"email":');
    const huge = await request(app)
      .post('/api/users/signup')
      .send({ email: 'a@example.com', password: 'p'.repeat(20_000) });

    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ errors: [{ message: 'Malformed JSON body' }] });
    expect(huge.status).toBe(413);
    expect(huge.body).toEqual({ errors: [{ message: 'Request body too large' }] });
    expect(await User.countDocuments()).toBe(0);
  });
});
