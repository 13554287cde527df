import { forgedSessionCookies, sessionCookie } from '@ticketing/common/testing';
import request from 'supertest';
import { buildApp, sessionCookieFrom, signup, useTestEnvironment } from '../setup';

useTestEnvironment();
const app = buildApp();

const USER_ID = '5f0c1e2d3b4a596877665544';

describe('GET /api/users/currentuser', () => {
  it('returns the signed-up user with the token times', async () => {
    const created = await signup(app, 'alice@example.com');

    const response = await request(app).get('/api/users/currentuser').set('Cookie', sessionCookieFrom(created));

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      currentUser: {
        id: created.body.id,
        email: 'alice@example.com',
        iat: expect.any(Number),
        exp: expect.any(Number),
      },
    });
    // The default session lifetime is one day.
    expect(response.body.currentUser.exp - response.body.currentUser.iat).toBe(24 * 60 * 60);
  });

  it('returns { currentUser: null } without a session', async () => {
    const response = await request(app).get('/api/users/currentuser');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ currentUser: null });
  });

  it.each([
    ...forgedSessionCookies(USER_ID),
    ['not base64 JSON', ['session=%%%garbage']],
    ['holding a jwt that is not a string', sessionCookie({ jwt: { id: USER_ID, email: 'a@example.com' } })],
  ])('treats a session that is %s as signed out, never a 500', async (_description, cookie) => {
    const response = await request(app).get('/api/users/currentuser').set('Cookie', cookie);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ currentUser: null });
  });
});
