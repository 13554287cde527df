import request from 'supertest';
import { User } from '../src/models/user';
import { buildApp, PASSWORD, sessionCookieFrom, setCookies, signup, useTestEnvironment } from './setup';

useTestEnvironment();
const app = buildApp();

const credentials = { email: 'alice@example.com', password: PASSWORD };

// Every route that takes a body, with a body it accepts.
const writeRoutes = [
  { path: '/api/users/signup', validBody: credentials },
  { path: '/api/users/signin', validBody: credentials },
  { path: '/api/users/signout', validBody: {} },
];

describe.each(writeRoutes)('POST $path', ({ path, validBody }) => {
  it('answers 400 naming each unknown field, and does nothing', async () => {
    const created = await signup(app, 'bob@example.com');

    const response = await request(app)
      .post(path)
      .set('Cookie', sessionCookieFrom(created))
      .send({ ...validBody, isAdmin: true, $where: 'sleep(1000)' });

    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      errors: [
        { message: 'Unknown field isAdmin: remove it from the request', field: 'isAdmin' },
        { message: 'Unknown field $where: remove it from the request', field: '$where' },
      ],
    });
    // No session started, and none ended either.
    expect(setCookies(response)).toEqual([]);
    expect(await User.countDocuments()).toBe(1);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const response = await request(app).post(path).type('form').send('email=alice%40example.com');

    expect(response.status).toBe(415);
    expect(response.body).toEqual({
      errors: [{ message: 'Send the request body as JSON, with Content-Type: application/json' }],
    });
    expect(setCookies(response)).toEqual([]);
  });

  it('answers 400 for a JSON array', async () => {
    const response = await request(app).post(path).send([validBody]);

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message: 'The request body must be a JSON object' }] });
    expect(setCookies(response)).toEqual([]);
  });

  it('answers 400 for malformed JSON', async () => {
    const response = await request(app).post(path).set('Content-Type', 'application/json').send('{"email":');

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ message: 'The request body is not valid JSON: check its syntax' }] });
  });

  it('answers 413 for a body over 10 kB', async () => {
    const response = await request(app)
      .post(path)
      .send({ ...validBody, padding: 'p'.repeat(20_000) });

    expect(response.status).toBe(413);
    expect(response.body).toEqual({ errors: [{ message: 'The request body is too large' }] });
  });
});

it('reports invalid and unknown fields together, the invalid ones first', async () => {
  const response = await request(app)
    .post('/api/users/signup')
    .send({ email: 'not-an-email', password: PASSWORD, role: 'admin' });

  expect(response.status).toBe(400);
  expect(response.body).toEqual({
    errors: [
      { message: 'Email must be a valid email address', field: 'email' },
      { message: 'Unknown field role: remove it from the request', field: 'role' },
    ],
  });
});
