import cookieSession from 'cookie-session';
import express from 'express';
import { decodeJwt, errors, jwtVerify } from 'jose';
import request from 'supertest';
import { expiredSessionCookie, sessionCookie, signin, tamperedSessionCookie, TEST_JWT_KEYS } from './signin';
import { generateJwtPrivateKey, jwtPublicKeysOf } from '../middlewares/jwt-keys';
import { verifySessionJwt } from '../middlewares/session-jwt';

const testPublicKey = TEST_JWT_KEYS.publicKeys.get(TEST_JWT_KEYS.privateKey.kid)!;

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

  it('is read back by cookie-session, as a token that verifies with the test public keys', async () => {
    const app = express();
    app.use(cookieSession({ name: 'session', signed: false }));
    app.get('/', (req, res) => {
      res.json(req.session);
    });

    const response = await request(app)
      .get('/')
      .set('Cookie', signin({ id: 'u1', email: 'a@b.com' }));

    expect(await verifySessionJwt(response.body.jwt, TEST_JWT_KEYS.publicKeys)).toMatchObject({
      id: 'u1',
      email: 'a@b.com',
    });
  });

  it('defaults to a fresh ObjectId-shaped id, a test email, the test key and an expiry in an hour', async () => {
    const first = await jwtVerify(jwtIn(signin()), testPublicKey, { algorithms: ['EdDSA'] });
    const second = decodeJwt(jwtIn(signin()));

    expect(first.protectedHeader).toEqual({ alg: 'EdDSA', kid: TEST_JWT_KEYS.privateKey.kid });
    expect(first.payload.id).toMatch(/^[0-9a-f]{24}$/);
    expect(second.id).not.toBe(first.payload.id);
    expect(first.payload.email).toBe('test@test.com');
    expect(first.payload.exp! - first.payload.iat!).toBe(3600);
  });

  it('signs with the signingKey it is given', async () => {
    const signingKey = generateJwtPrivateKey('another-key');
    const token = jwtIn(signin({ id: 'u1', signingKey }));

    expect(await verifySessionJwt(token, jwtPublicKeysOf([signingKey]))).toMatchObject({ id: 'u1' });
    expect(await verifySessionJwt(token, TEST_JWT_KEYS.publicKeys)).toBeNull();
  });

  it('makes expired and tampered sessions that fail verification for their own reasons', async () => {
    await expect(jwtVerify(jwtIn(expiredSessionCookie()), testPublicKey)).rejects.toThrow(errors.JWTExpired);

    const tampered = jwtIn(tamperedSessionCookie({ id: 'victim-not', forgedId: 'victim' }));
    expect(decodeJwt(tampered)).toMatchObject({ id: 'victim' });
    await expect(jwtVerify(tampered, testPublicKey)).rejects.toThrow(errors.JWSSignatureVerificationFailed);
  });
});
