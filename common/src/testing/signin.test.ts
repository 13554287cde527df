import cookieSession from 'cookie-session';
import express from 'express';
import jwt, { JwtPayload } from 'jsonwebtoken';
import request from 'supertest';
import { expiredSessionCookie, sessionCookie, signin, tamperedSessionCookie, TEST_JWT_KEY } from './signin';
import { verifySessionJwt } from '../middlewares/session-jwt';

function jwtIn(cookieHeader: string[]): string {
  const [cookie] = cookieHeader;
  expect(cookie.startsWith('session=')).toBe(true);
  const session = JSON.parse(Buffer.from(cookie.slice('session='.length), 'base64').toString('utf8')) as {
    jwt: string;
  };
  return session.jwt;
}

describe('signin', () => {
  it('encodes the session exactly as cookie-session does', async () => {
    const app = express();
    app.use(cookieSession({ name: 'session', signed: false }));
    app.get('/', (req, res) => {
      req.session = { jwt: 'header.payload.signature' };
      res.end();
    });

    const response = await request(app).get('/');

    const [written] = response.headers['set-cookie'] as unknown as string[];
    expect(written.split(';')[0]).toBe(sessionCookie({ jwt: 'header.payload.signature' })[0]);
  });

  it('is read back by cookie-session', async () => {
    const app = express();
    app.use(cookieSession({ name: 'session', signed: false }));
    app.get('/', (req, res) => {
      res.json(req.session);
    });

    const response = await request(app)
      .get('/')
      .set('Cookie', signin({ id: 'u1', email: 'a@b.com' }));

    expect(verifySessionJwt(response.body.jwt, TEST_JWT_KEY)).toEqual({ id: 'u1', email: 'a@b.com' });
  });

  it('defaults to a fresh ObjectId-shaped id, a test email, TEST_JWT_KEY and an expiry', () => {
    const first = jwt.verify(jwtIn(signin()), TEST_JWT_KEY) as JwtPayload;
    const second = jwt.verify(jwtIn(signin()), TEST_JWT_KEY) as JwtPayload;

    expect(first.id).toMatch(/^[0-9a-f]{24}$/);
    expect(second.id).not.toBe(first.id);
    expect(first.email).toBe('test@test.com');
    expect(first.exp).toBeGreaterThan(Date.now() / 1000);
  });

  it('signs with JWT_KEY when it is set', () => {
    const saved = process.env.JWT_KEY;
    process.env.JWT_KEY = 'key-from-env';
    try {
      expect(verifySessionJwt(jwtIn(signin({ id: 'u1' })), 'key-from-env')).toMatchObject({ id: 'u1' });
    } finally {
      if (saved === undefined) delete process.env.JWT_KEY;
      else process.env.JWT_KEY = saved;
    }
  });

  it('makes expired and tampered sessions that fail verification for their own reasons', () => {
    expect(() => jwt.verify(jwtIn(expiredSessionCookie()), TEST_JWT_KEY)).toThrow('jwt expired');

    const tampered = jwtIn(tamperedSessionCookie({ id: 'victim-not', forgedId: 'victim' }));
    expect(jwt.decode(tampered)).toMatchObject({ id: 'victim' });
    expect(() => jwt.verify(tampered, TEST_JWT_KEY)).toThrow('invalid signature');
  });
});
