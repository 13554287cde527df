// Brings cookie-session's `req.session` into every program that uses these middlewares.
/// <reference types="cookie-session" preserve="true" />
import type { SessionClaims } from './session-jwt';

/** Who the session belongs to: the payload of the session JWT. */
export interface UserPayload {
  id: string;
  email: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `currentUser` when the session holds a valid JWT. */
      currentUser?: UserPayload;
      /** Set with currentUser: everything the session's JWT says (session id, times). */
      sessionClaims?: SessionClaims;
    }
  }
}
