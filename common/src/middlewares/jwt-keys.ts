import { createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';

/**
 * The one algorithm session JWTs are signed with (Ed25519). Verification accepts nothing else, so a
 * token cannot choose its own algorithm ("none", or HS256 keyed with a public key).
 */
export const JWT_ALGORITHM = 'EdDSA';

/** Auth's signing key: an Ed25519 private key and the id (`kid`) its tokens name in their header. */
export interface JwtPrivateKey {
  kid: string;
  key: KeyObject;
}

/** The public keys a session JWT may be signed with, by kid: auth's current key plus any still accepted. */
export type JwtPublicKeys = ReadonlyMap<string, KeyObject>;

/** One public key of a JWKS, as auth publishes it and as JWT_PUBLIC_KEYS holds it. */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: typeof JWT_ALGORITHM;
  use: 'sig';
}

const PRIVATE_JWK_EXAMPLE = '{"kty":"OKP","crv":"Ed25519","kid":"…","x":"…","d":"…"}';

function parseJson(text: string, expected: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`must be ${expected} in JSON`);
  }
}

/** The kid of a JWK after checking it is an Ed25519 key meant for EdDSA; `where` names it in messages. */
function checkedKid(jwk: unknown, where: string): string {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new Error(`${where} is not a JWK object`);
  const { kty, crv, alg, kid, x } = jwk as Record<string, unknown>;
  if (typeof kid !== 'string' || kid === '') throw new Error(`${where} has no kid`);
  if (kty !== 'OKP' || crv !== 'Ed25519') {
    throw new Error(`${where} (kid "${kid}") is not an Ed25519 key: only kty OKP with crv Ed25519 is supported`);
  }
  if (alg !== undefined && alg !== JWT_ALGORITHM) {
    throw new Error(`${where} (kid "${kid}") has unsupported alg ${String(alg)}: only ${JWT_ALGORITHM} is supported`);
  }
  if (typeof x !== 'string') throw new Error(`${where} (kid "${kid}") has no x (its public key)`);
  return kid;
}

/**
 * Reads JWT_PRIVATE_KEY: one private JWK with its kid. Throws an Error whose message says what is
 * wrong (not JSON, no kid, not Ed25519, a public key only, a private half that does not match x).
 */
export function parseJwtPrivateKey(text: string): JwtPrivateKey {
  const jwk = parseJson(text, `a private JWK such as ${PRIVATE_JWK_EXAMPLE}`);
  const kid = checkedKid(jwk, 'the key');
  const { d, x } = jwk as Record<string, unknown>;
  if (typeof d !== 'string')
    throw new Error(`the key (kid "${kid}") is a public key: the private JWK (with d) is needed`);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    throw new Error(`the key (kid "${kid}") is not a valid Ed25519 private key`);
  }
  if (createPublicKey(key).export({ format: 'jwk' }).x !== x) {
    throw new Error(`the key (kid "${kid}") has an x that is not the public half of its d`);
  }
  return { kid, key };
}

/**
 * Reads JWT_PUBLIC_KEYS: a JWKS `{"keys":[…]}` of Ed25519 public keys, each with a distinct kid.
 * Throws an Error whose message says what is wrong, including a private key where only public ones belong.
 */
export function parseJwtPublicKeys(text: string): JwtPublicKeys {
  const jwks = parseJson(text, 'a JWKS such as {"keys":[{"kty":"OKP","crv":"Ed25519","kid":"…","x":"…"}]}');
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new Error('must be a JWKS with at least one key in "keys"');
  const publicKeys = new Map<string, KeyObject>();
  keys.forEach((jwk: unknown, index) => {
    const where = `key ${index + 1}`;
    const kid = checkedKid(jwk, where);
    if ((jwk as Record<string, unknown>).d !== undefined) {
      throw new Error(`${where} (kid "${kid}") is a private key: give only public keys (no d)`);
    }
    if (publicKeys.has(kid)) throw new Error(`${where} repeats kid "${kid}"`);
    try {
      publicKeys.set(kid, createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }));
    } catch {
      throw new Error(`${where} (kid "${kid}") is not a valid Ed25519 public key`);
    }
  });
  return publicKeys;
}

/** A new Ed25519 signing key with the given kid. */
export function generateJwtPrivateKey(kid: string): JwtPrivateKey {
  return { kid, key: generateKeyPairSync('ed25519').privateKey };
}

/** The public keys that verify tokens signed with `privateKeys`. */
export function jwtPublicKeysOf(privateKeys: JwtPrivateKey[]): JwtPublicKeys {
  return new Map(privateKeys.map(({ kid, key }) => [kid, createPublicKey(key)]));
}

/** The JWKS of `publicKeys`: what auth publishes and the value JWT_PUBLIC_KEYS takes. */
export function publicJwks(publicKeys: JwtPublicKeys): { keys: PublicJwk[] } {
  return {
    keys: [...publicKeys].map(([kid, key]) => {
      const { x } = key.export({ format: 'jwk' });
      return { kty: 'OKP', crv: 'Ed25519', x: String(x), kid, alg: JWT_ALGORITHM, use: 'sig' };
    }),
  };
}

/** The private JWK of `privateKey`: the value JWT_PRIVATE_KEY takes. */
export function privateJwk(privateKey: JwtPrivateKey): JsonWebKey & { kid: string } {
  return { ...privateKey.key.export({ format: 'jwk' }), kid: privateKey.kid, alg: JWT_ALGORITHM };
}
