import { createHmac, randomBytes, randomUUID, sign } from 'node:crypto';
import {
  generateJwtPrivateKey,
  JWT_ALGORITHM,
  jwtPublicKeysOf,
  type JwtPrivateKey,
  type JwtPublicKeys,
} from '../middlewares/jwt-keys';

/**
 * The session key pair of the apps under test, generated once per test file (jest loads modules per
 * file): build apps with `jwtPublicKeys: TEST_JWT_KEYS.publicKeys` (auth also with `jwtPrivateKey`),
 * and signin signs with `privateKey`.
 */
export const TEST_JWT_KEYS: { privateKey: JwtPrivateKey; publicKeys: JwtPublicKeys } = (() => {
  const privateKey = generateJwtPrivateKey('test-key');
  return { privateKey, publicKeys: jwtPublicKeysOf([privateKey]) };
})();

export interface SigninOptions {
  /** Default: a new random 24-hex-digit id, shaped like a MongoDB ObjectId. */
  id?: string;
  email?: string;
  /** The session (`sid`) the token belongs to. Default: a new one. */
  sessionId?: string;
  /** Default: TEST_JWT_KEYS.privateKey, i.e. auth's key as the apps under test know it. */
  signingKey?: JwtPrivateKey;
  /** Seconds since the epoch. Default: now. */
  issuedAt?: number;
  /** Seconds from now. Default: 1 hour. A negative number gives an already expired token. */
  expiresIn?: number;
}

/** A Cookie header value carrying `session`, encoded exactly as cookie-session writes it (base64 JSON). */
export function sessionCookie(session: object): string[] {
  const encoded = Buffer.from(JSON.stringify(session)).toString('base64');
  return [`session=${encoded}`];
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A compact JWS of `header` and `claims` with the signature `signature` makes of the signing input.
 * Built here rather than with jose because jose only signs asynchronously, and tests call signin()
 * synchronously (`.set('Cookie', signin())`, tables of cookies built at load time).
 */
function compactJwt(header: object, claims: object, signature: (signingInput: Buffer) => Buffer): string {
  const signingInput = `${base64url(header)}.${base64url(claims)}`;
  return `${signingInput}.${signature(Buffer.from(signingInput)).toString('base64url')}`;
}

function sessionClaims(options: SigninOptions): object {
  const now = Math.floor(Date.now() / 1000);
  return {
    id: options.id ?? randomBytes(12).toString('hex'),
    email: options.email ?? 'test@test.com',
    sid: options.sessionId ?? randomUUID(),
    jti: randomUUID(),
    iat: options.issuedAt ?? now,
    exp: now + (options.expiresIn ?? 3600),
  };
}

function signedSessionJwt(options: SigninOptions): string {
  const signingKey = options.signingKey ?? TEST_JWT_KEYS.privateKey;
  return compactJwt({ alg: JWT_ALGORITHM, kid: signingKey.kid }, sessionClaims(options), (input) =>
    sign(null, input, signingKey.key),
  );
}

/** Cookie header for supertest's `.set('Cookie', signin())`: a session signed in as the given user. */
export function signin(options: SigninOptions = {}): string[] {
  return sessionCookie({ jwt: signedSessionJwt(options) });
}

/** A session whose JWT expired a minute ago. */
export function expiredSessionCookie(options: Omit<SigninOptions, 'expiresIn'> = {}): string[] {
  return signin({ ...options, expiresIn: -60 });
}

/**
 * A session whose JWT payload was rewritten to claim another user id while keeping
 * the original signature, as someone editing their cookie would.
 */
export function tamperedSessionCookie(options: SigninOptions & { forgedId: string }): string[] {
  const [header, payload, signature] = signedSessionJwt(options).split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  return sessionCookie({ jwt: `${header}.${base64url({ ...claims, id: options.forgedId })}.${signature}` });
}

/**
 * Sessions for `id` that auth did not sign, each as [what it is, cookie], for checking that every
 * service treats them as signed out. Each would be accepted if the check it targets were missing.
 */
export function forgedSessionCookies(id: string): Array<[string, string[]]> {
  const testKey = TEST_JWT_KEYS.privateKey;
  const claims = sessionClaims({ id });
  const publicKeyPem = TEST_JWT_KEYS.publicKeys.get(testKey.kid)!.export({ format: 'pem', type: 'spki' });
  return [
    ["signed with another key under auth's kid", signin({ id, signingKey: generateJwtPrivateKey(testKey.kid) })],
    ['signed with a key of unknown kid', signin({ id, signingKey: generateJwtPrivateKey('someone-else') })],
    [
      'HS256 keyed with auth’s public key (algorithm confusion)',
      sessionCookie({
        jwt: compactJwt({ alg: 'HS256', kid: testKey.kid }, claims, (input) =>
          createHmac('sha256', publicKeyPem).update(input).digest(),
        ),
      }),
    ],
    [
      'alg none, unsigned',
      sessionCookie({ jwt: compactJwt({ alg: 'none', kid: testKey.kid }, claims, () => Buffer.alloc(0)) }),
    ],
    [
      'signed by auth but without kid',
      sessionCookie({ jwt: compactJwt({ alg: JWT_ALGORITHM }, claims, (input) => sign(null, input, testKey.key)) }),
    ],
    ['signed by auth but expired', expiredSessionCookie({ id })],
    ['signed by auth, payload edited', tamperedSessionCookie({ forgedId: id })],
  ];
}
