import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StackStartError } from './errors';

/**
 * The session keys of a stack as the services' environment takes them (JSON texts, checked by the
 * services at start-up): auth's private JWK (JWT_PRIVATE_KEY) and the JWKS every service verifies
 * sessions with (JWT_PUBLIC_KEYS). Built with node:crypto rather than @ticketing/common, which would
 * load the whole service kit into the launcher.
 */
export interface StackJwtKeys {
  privateKey: string;
  publicKeys: string;
}

/** The JWKS holding only the public half of `privateKey` (a private JWK with its kid). */
function publicKeysOf(privateKey: string): string {
  let jwk: { kid?: unknown };
  try {
    jwk = JSON.parse(privateKey) as { kid?: unknown };
    const { x } = createPublicKey(createPrivateKey({ key: jwk as never, format: 'jwk' })).export({ format: 'jwk' });
    return JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x, kid: jwk.kid, alg: 'EdDSA', use: 'sig' }] });
  } catch {
    throw new StackStartError('auth', 'JWT_PRIVATE_KEY is not an Ed25519 private JWK (with its kid)');
  }
}

/** The stack's keys from a private JWK, and the public JWKS when given (else the private key's public half alone). */
export function stackJwtKeys(privateKey: string, publicKeys = publicKeysOf(privateKey)): StackJwtKeys {
  return { privateKey, publicKeys };
}

/**
 * The session keys of a local stack: a key pair generated on the first start and kept, so that
 * sessions stay valid across restarts. Only readable by its owner.
 */
export function developmentJwtKeys(dataDir: string): StackJwtKeys {
  const file = path.join(dataDir, 'jwt-private-key.json');
  if (existsSync(file)) return stackJwtKeys(readFileSync(file, 'utf8').trim());
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  const privateKey = JSON.stringify({ ...jwk, kid: `local-${randomBytes(4).toString('hex')}`, alg: 'EdDSA' });
  writeFileSync(file, `${privateKey}\n`, { mode: 0o600 });
  return stackJwtKeys(privateKey);
}
