import { generateJwtPrivateKey, jwtPublicKeysOf, verifySessionJwt } from '@ticketing/common';
import { TEST_JWT_KEYS } from '@ticketing/common/testing';
import request from 'supertest';
import { buildApp, jwtIn, sessionCookieFrom, signup, useTestEnvironment } from './setup';

useTestEnvironment();

describe('session signing keys', () => {
  it('publishes the public keys it accepts as a JWKS, never a private part', async () => {
    const oldKey = generateJwtPrivateKey('2026-10');
    const app = buildApp({ jwtPublicKeys: jwtPublicKeysOf([TEST_JWT_KEYS.privateKey, oldKey]) });

    const response = await request(app).get('/api/users/.well-known/jwks.json');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      keys: [
        {
          kty: 'OKP',
          crv: 'Ed25519',
          x: expect.any(String),
          kid: TEST_JWT_KEYS.privateKey.kid,
          alg: 'EdDSA',
          use: 'sig',
        },
        { kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: '2026-10', alg: 'EdDSA', use: 'sig' },
      ],
    });
    expect(JSON.stringify(response.body)).not.toContain('"d"');
  });

  it('signs with its current key a token that verifies with the published keys only', async () => {
    const app = buildApp();
    const created = await signup(app, 'alice@example.com');
    const jwks = await request(app).get('/api/users/.well-known/jwks.json');

    const token = jwtIn(sessionCookieFrom(created));
    const [header] = token.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString('utf8'))).toEqual({
      alg: 'EdDSA',
      kid: TEST_JWT_KEYS.privateKey.kid,
    });
    expect(jwks.body.keys.map((key: { kid: string }) => key.kid)).toEqual([TEST_JWT_KEYS.privateKey.kid]);
    expect(await verifySessionJwt(token, TEST_JWT_KEYS.publicKeys)).toMatchObject({ id: created.body.id });
    expect(
      await verifySessionJwt(token, jwtPublicKeysOf([generateJwtPrivateKey(TEST_JWT_KEYS.privateKey.kid)])),
    ).toBeNull();
  });

  it('keeps a session signed with the previous key while its public key is accepted, then signs it out', async () => {
    const previousKey = generateJwtPrivateKey('previous');
    const beforeRotation = buildApp({ jwtPrivateKey: previousKey, jwtPublicKeys: jwtPublicKeysOf([previousKey]) });
    const duringRotation = buildApp({ jwtPublicKeys: jwtPublicKeysOf([TEST_JWT_KEYS.privateKey, previousKey]) });
    const afterRotation = buildApp();
    const created = await signup(beforeRotation, 'alice@example.com');
    const currentUser = async (app: typeof afterRotation) =>
      (await request(app).get('/api/users/currentuser').set('Cookie', sessionCookieFrom(created))).body.currentUser;

    expect(await currentUser(duringRotation)).toMatchObject({ id: created.body.id });
    expect(await currentUser(afterRotation)).toBeNull();
  });

  it('refuses to start with a signing key whose public half it does not accept', () => {
    const unpublished = generateJwtPrivateKey(TEST_JWT_KEYS.privateKey.kid);

    expect(() => buildApp({ jwtPrivateKey: unpublished })).toThrow(
      `JWT_PUBLIC_KEYS has no key with kid "${TEST_JWT_KEYS.privateKey.kid}" that is JWT_PRIVATE_KEY's public half: ` +
        'no service could verify the sessions auth signs',
    );
  });
});
