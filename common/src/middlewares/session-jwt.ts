import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { UserPayload } from './express-augmentation';
import { JWT_ALGORITHM, type JwtPrivateKey, type JwtPublicKeys } from './jwt-keys';

/**
 * A session JWT's payload once verified: the user, the session (`sid`, kept by every token renewing
 * it, and what a sign-out revokes), the token's own id (`jti`), and when it was issued and expires
 * (seconds since the epoch).
 */
export interface SessionClaims extends UserPayload {
  sid: string;
  jti: string;
  iat: number;
  exp: number;
}

/**
 * Signs the JWT the auth service stores in the session cookie as `{ jwt }`, naming its key in the
 * `kid` header: for a new session, or for `sessionId` when renewing one.
 */
export async function signSessionJwt(
  user: UserPayload,
  privateKey: JwtPrivateKey,
  ttlSeconds: number,
  sessionId: string = randomUUID(),
): Promise<string> {
  const issuedAt = Math.floor(Date.now() / 1000);
  return new SignJWT({ id: user.id, email: user.email, sid: sessionId })
    .setProtectedHeader({ alg: JWT_ALGORITHM, kid: privateKey.kid })
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(privateKey.key);
}

/**
 * The claims of a session JWT, or null when the token is malformed, expired, not EdDSA, names no kid
 * or a kid not in `publicKeys`, is not signed by that key, or lacks a claim.
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
  const { id, email, sid, jti, iat, exp } = payload;
  if (typeof id !== 'string' || typeof email !== 'string' || typeof sid !== 'string' || typeof jti !== 'string') {
    return null;
  }
  if (typeof iat !== 'number' || typeof exp !== 'number') return null;
  return { id, email, sid, jti, iat, exp };
}
