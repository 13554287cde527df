import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { WRITE_METHODS } from './write-methods';

/**
 * helmet's headers on every answer (X-Content-Type-Options, Referrer-Policy, HSTS, ...), with a
 * Content-Security-Policy that suits both JSON and the Swagger UI page at `{basePath}/docs`: that
 * page loads its scripts and stylesheet from the service itself and has inline styles and data:
 * images, all of which helmet's default policy allows. No page of ours is ever meant to be framed.
 */
export const securityHeaders: RequestHandler = helmet({
  contentSecurityPolicy: {
    directives: {
      'frame-ancestors': ["'none'"],
      // Behind the TLS-terminating ingress HSTS already keeps browsers on https; on the plain-HTTP
      // local stack this directive would send the docs page's own scripts to an https port nobody serves.
      'upgrade-insecure-requests': null,
    },
  },
  xFrameOptions: { action: 'deny' },
});

/**
 * `Cache-Control: no-store` on every answer to a request that carries a cookie or changes
 * something. A browser sends the session cookie with every request once signed in, so this covers
 * every answer that may depend on the session (current user, orders, payments, a seller's own
 * listings), and the answers that set or clear the cookie (sign-up, sign-in, sign-out); decided by
 * the request rather than route by route, so a new personal route cannot forget it. Anonymous
 * reads (the public ticket list, the docs) stay cacheable.
 */
export const noStoreForSessions: RequestHandler = (req, res, next) => {
  if (req.headers.cookie !== undefined || WRITE_METHODS.has(req.method)) res.set('Cache-Control', 'no-store');
  next();
};
