export type { UserPayload } from './express-augmentation';
export { currentUser } from './current-user';
export { requireAuth } from './require-auth';
export { validateRequest } from './validate-request';
export { notFoundHandler } from './not-found-handler';
export { requireJsonBody, requireObjectBody } from './json-body';
export { refuseCrossSiteWrites, setPublicOrigins } from './cross-site';
export { signSessionJwt, verifySessionJwt } from './session-jwt';
export type { SessionClaims } from './session-jwt';
export {
  generateJwtPrivateKey,
  JWT_ALGORITHM,
  jwtPublicKeysOf,
  parseJwtPrivateKey,
  parseJwtPublicKeys,
  privateJwk,
  publicJwks,
} from './jwt-keys';
export type { JwtPrivateKey, JwtPublicKeys, PublicJwk } from './jwt-keys';
export { requireObjectIdParam } from './object-id-param';
