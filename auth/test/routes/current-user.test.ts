import { forgedSessionCookies, sessionCookie, signin as sessionFor } from '@ticketing/common/testing';
import { decodeJwt } from 'jose';
import request from 'supertest';
import { buildApp, jwtIn, sessionCookieFrom, setCookies, signup, useTestEnvironment } from '../setup';

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

  it('renews a token past half its life: a new token of the same session, with a new expiry', async () => {
    const now = Math.floor(Date.now() / 1000);
    const halfSpent = sessionFor({ id: USER_ID, sessionId: 'session-1', issuedAt: now - 600, expiresIn: 300 });

    const response = await request(app).get('/api/users/currentuser').set('Cookie', halfSpent);

    expect(response.status).toBe(200);
    const renewed = decodeJwt(jwtIn(sessionCookieFrom(response)));
    expect(renewed).toMatchObject({ id: USER_ID, sid: 'session-1' });
    expect(renewed.jti).not.toBe(decodeJwt(jwtIn(halfSpent[0])).jti);
    expect(renewed.iat).toBeGreaterThanOrEqual(now);
    // The test app's session lifetime is one day.
    expect(renewed.exp).toBe(renewed.iat! + 24 * 60 * 60);
    expect(response.body.currentUser).toMatchObject({ id: USER_ID, iat: renewed.iat, exp: renewed.exp });
  });

  it('keeps a token before half its life: no new cookie', async () => {
    const now = Math.floor(Date.now() / 1000);
    const fresh = sessionFor({ id: USER_ID, issuedAt: now - 100, expiresIn: 300 });

    const response = await request(app).get('/api/users/currentuser').set('Cookie', fresh);

    expect(response.body.currentUser).toMatchObject({ id: USER_ID, iat: now - 100, exp: now + 300 });
    expect(setCookies(response)).toEqual([]);
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
