import { jwtVerify, SignJWT } from 'jose';
import type { UserPayload } from './express-augmentation';
import { JWT_ALGORITHM, type JwtPrivateKey, type JwtPublicKeys } from './jwt-keys';

/** A session JWT's payload once verified: the user plus when the token was issued and expires (seconds since the epoch). */
export interface SessionClaims extends UserPayload {
  iat: number;
  exp: number;
}

/** Signs the JWT the auth service stores in the session cookie as `{ jwt }`, naming its key in the `kid` header. */
export async function signSessionJwt(
  user: UserPayload,
  privateKey: JwtPrivateKey,
  ttlSeconds: number,
): Promise<string> {
  const issuedAt = Math.floor(Date.now() / 1000);
  return new SignJWT({ id: user.id, email: user.email })
    .setProtectedHeader({ alg: JWT_ALGORITHM, kid: privateKey.kid })
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(privateKey.key);
}

/**
 * The claims of a session JWT, or null when the token is malformed, expired, not EdDSA, names no kid
 * or a kid not in `publicKeys`, or is not signed by that key.
 */
export async function verifySessionJwt(token: string, publicKeys: JwtPublicKeys): Promise<SessionClaims | null> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(
      token,
      ({ kid }) => {
        const key = kid === undefined ? undefined : publicKeys.get(kid);
        if (!key) throw new Error(`no public key with kid ${String(kid)}`);
        return key;
      },
      { algorithms: [JWT_ALGORITHM], requiredClaims: ['iat', 'exp'] },
    ));
  } catch {
    return null;
  }
  const { id, email, iat, exp } = payload;
  if (typeof id !== 'string' || typeof email !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') {
    return null;
  }
  return { id, email, iat, exp };
}
