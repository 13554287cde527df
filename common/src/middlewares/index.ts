export type { UserPayload } from './express-augmentation';
export { currentUser } from './current-user';
export { requireAuth } from './require-auth';
export { validateRequest } from './validate-request';
export { notFoundHandler } from './not-found-handler';
export { requireJsonBody, requireObjectBody } from './json-body';
export { DEFAULT_SESSION_TTL, signSessionJwt, verifySessionJwt } from './session-jwt';
export { requireObjectIdParam } from './object-id-param';
