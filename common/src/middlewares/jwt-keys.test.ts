import { generateKeyPairSync } from 'node:crypto';
import { z } from 'zod';
import { commonEnv, ConfigError, loadConfig } from '../kit/config';
import { generateJwtPrivateKey, jwtPublicKeysOf, privateJwk, publicJwks } from './jwt-keys';

const schema = z.object({ JWT_PRIVATE_KEY: commonEnv.JWT_PRIVATE_KEY, JWT_PUBLIC_KEYS: commonEnv.JWT_PUBLIC_KEYS });

const signingKey = generateJwtPrivateKey('2026-11');
const privateJson = JSON.stringify(privateJwk(signingKey));
const publicKey = publicJwks(jwtPublicKeysOf([signingKey])).keys[0];

function problemsOf(env: { JWT_PRIVATE_KEY?: string; JWT_PUBLIC_KEYS?: string }): string[] {
  try {
    loadConfig(schema, {
      JWT_PRIVATE_KEY: privateJson,
      JWT_PUBLIC_KEYS: JSON.stringify({ keys: [publicKey] }),
      ...env,
    });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('JWT key variables', () => {
  it('read back the keys they were written from', () => {
    const oldKey = generateJwtPrivateKey('2026-10');
    const publicKeys = jwtPublicKeysOf([signingKey, oldKey]);

    const config = loadConfig(schema, {
      JWT_PRIVATE_KEY: privateJson,
      JWT_PUBLIC_KEYS: JSON.stringify(publicJwks(publicKeys)),
    });

    expect(config.JWT_PRIVATE_KEY.kid).toBe('2026-11');
    expect(config.JWT_PRIVATE_KEY.key.equals(signingKey.key)).toBe(true);
    expect([...config.JWT_PUBLIC_KEYS.keys()]).toEqual(['2026-11', '2026-10']);
    expect(publicJwks(config.JWT_PUBLIC_KEYS)).toEqual(publicJwks(publicKeys));
  });

  it('publish public keys only, each with its kid, alg and use', () => {
    expect(publicKey).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: expect.any(String),
      kid: '2026-11',
      alg: 'EdDSA',
      use: 'sig',
    });
  });

  const otherPrivateJwk = privateJwk(generateJwtPrivateKey('2026-11'));
  const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const pem = signingKey.key.export({ format: 'pem', type: 'pkcs8' }).toString();

  it.each([
    [
      'a PEM',
      pem,
      'JWT_PRIVATE_KEY: must be a private JWK such as {"kty":"OKP","crv":"Ed25519","kid":"…","x":"…","d":"…"} in JSON',
    ],
    [
      'a JWK without kid',
      JSON.stringify({ ...privateJwk(signingKey), kid: undefined }),
      'JWT_PRIVATE_KEY: the key has no kid',
    ],
    [
      'a public key',
      JSON.stringify(publicKey),
      'JWT_PRIVATE_KEY: the key (kid "2026-11") is a public key: the private JWK (with d) is needed',
    ],
    [
      'an EC P-256 key',
      JSON.stringify({ ...ecKey, kid: 'ec' }),
      'JWT_PRIVATE_KEY: the key (kid "ec") is not an Ed25519 key: only kty OKP with crv Ed25519 is supported',
    ],
    [
      'another alg',
      JSON.stringify({ ...privateJwk(signingKey), alg: 'ES256' }),
      'JWT_PRIVATE_KEY: the key (kid "2026-11") has unsupported alg ES256: only EdDSA is supported',
    ],
    [
      'a d that is not the private half of x',
      JSON.stringify({ ...privateJwk(signingKey), d: otherPrivateJwk.d }),
      'JWT_PRIVATE_KEY: the key (kid "2026-11") has an x that is not the public half of its d',
    ],
    [
      'garbage in d',
      JSON.stringify({ ...privateJwk(signingKey), d: 'AAAA' }),
      'JWT_PRIVATE_KEY: the key (kid "2026-11") is not a valid Ed25519 private key',
    ],
  ])('stop start-up on a JWT_PRIVATE_KEY that is %s', (_description, value, problem) => {
    expect(problemsOf({ JWT_PRIVATE_KEY: value })).toEqual([problem]);
  });

  it.each([
    [
      'a single key, not a JWKS',
      JSON.stringify(publicKey),
      'JWT_PUBLIC_KEYS: must be a JWKS with at least one key in "keys"',
    ],
    ['an empty JWKS', '{"keys":[]}', 'JWT_PUBLIC_KEYS: must be a JWKS with at least one key in "keys"'],
    ['not JSON', 'secret', expect.stringMatching(/^JWT_PUBLIC_KEYS: must be a JWKS such as .* in JSON$/)],
    [
      'a private key',
      JSON.stringify({ keys: [publicKey, privateJwk(signingKey)] }),
      'JWT_PUBLIC_KEYS: key 2 (kid "2026-11") is a private key: give only public keys (no d)',
    ],
    ['a key without kid', JSON.stringify({ keys: [{ ...publicKey, kid: '' }] }), 'JWT_PUBLIC_KEYS: key 1 has no kid'],
    [
      'a repeated kid',
      JSON.stringify({ keys: [publicKey, publicKey] }),
      'JWT_PUBLIC_KEYS: key 2 repeats kid "2026-11"',
    ],
    [
      'an x that is not a key',
      JSON.stringify({ keys: [{ ...publicKey, x: 'AAAA' }] }),
      'JWT_PUBLIC_KEYS: key 1 (kid "2026-11") is not a valid Ed25519 public key',
    ],
  ])('stop start-up on a JWT_PUBLIC_KEYS that is %s', (_description, value, problem) => {
    expect(problemsOf({ JWT_PUBLIC_KEYS: value })).toEqual([problem]);
  });
});
