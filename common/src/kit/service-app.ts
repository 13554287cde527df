import cookieSession from 'cookie-session';
import express, { Express, Router } from 'express';
import { errorHandler } from '../errors/error-handler';
import type { RevocationList } from '../events/revoked-sessions';
import { refuseCrossSiteWrites, setPublicOrigins } from '../middlewares/cross-site';
import { currentUser } from '../middlewares/current-user';
import { requireJsonBody, requireObjectBody } from '../middlewares/json-body';
import type { JwtPublicKeys } from '../middlewares/jwt-keys';
import { noStoreForSessions, securityHeaders } from '../middlewares/security-headers';
import { notFoundHandler } from '../middlewares/not-found-handler';
import { DEFAULT_TRUST_PROXY } from './config';
import { healthRoutes, ReadinessChecks } from './health';
import type { Logger } from './logger';
import { httpMetrics, metricsRoutes, setMetricsServiceName, setServiceMetrics, type ServiceMetrics } from './metrics';
import { openApiRoutes, type OpenApiMount } from './openapi';
import { requestLogger } from './request-logger';
import { reportServedResponses } from './served-responses';
import { installTraceContext, traceRequests } from './tracing';

export interface ServiceAppOptions {
  logger: Logger;
  /** Auth's public keys, which verify session JWTs (see currentUser); a service without user routes (expiration) has none. */
  jwtPublicKeys?: JwtPublicKeys;
  /** Signed-out sessions, refused like any invalid session; none in apps built without NATS (some tests). */
  revokedSessions?: RevocationList;
  /** The service's routes, mounted in this order after sessions and currentUser. */
  routers: Router[];
  /** The service's OpenAPI document, served at `{basePath}/docs` and `{basePath}/docs.json`. */
  openApi?: OpenApiMount;
  /** Behind GET /readyz; none means ready whenever the process is up. */
  readinessChecks?: ReadinessChecks;
  /**
   * Mounted before the JSON body parser, for routes that must read the raw body
   * (the Stripe webhook checks its signature over the exact bytes).
   */
  rawBodyRouters?: Router[];
  /** Largest JSON body accepted; bigger ones get 413. Default 100kb. */
  bodyLimit?: string;
  /**
   * Which peers may set X-Forwarded-* (Express's `trust proxy` list). runService replaces it with
   * TRUST_PROXY; the default, loopback, is the local gateway.
   */
  trustProxy?: string;
  /**
   * Counts the app's requests and is served at GET /metrics. runService sets the runtime's (which also
   * counts events); without it the app makes its own on first use, labelled with the logger's service.
   */
  metrics?: ServiceMetrics;
}

/**
 * The Express app every service builds, so all of them treat requests the same way:
 * security headers (and no-store on personal answers), request id and logging, health probes,
 * writes from other sites' pages refused (403), UTF-8 JSON bodies only (415 otherwise), session
 * cookie, currentUser, the OpenAPI document, the service's routers, then 404 and the error handler.
 */
export function createServiceApp(options: ServiceAppOptions): Express {
  const app = express();
  // Needed for req.protocol to say https behind the TLS-terminating proxy (see cookie-session below).
  app.set('trust proxy', options.trustProxy ?? DEFAULT_TRUST_PROXY);
  app.disable('x-powered-by');
  if (options.metrics) setServiceMetrics(app, options.metrics);
  else setMetricsServiceName(app, String(options.logger.bindings?.().service ?? 'unknown'));
  // First of all, so that every response is timed, whoever sends it.
  app.use(httpMetrics);
  // First, so that every answer carries them: health probes, docs, 404s and errors included.
  app.use(securityHeaders);
  app.use(noStoreForSessions);

  // Each request in a SERVER span continuing the caller's traceparent, then its request id and log line.
  installTraceContext();
  app.use(traceRequests());
  app.use(requestLogger(options.logger));
  if (options.openApi) app.use(reportServedResponses(options.openApi));
  app.use(healthRoutes(options.readinessChecks));
  app.use(metricsRoutes());
  // Until runService gives PUBLIC_ORIGIN's origins, no browser page may write (programs still can).
  setPublicOrigins(app, []);
  app.use(refuseCrossSiteWrites);
  app.use(requireJsonBody);
  for (const router of options.rawBodyRouters ?? []) {
    app.use(router);
  }

  // Compressed bodies are refused (415), not inflated: no client of ours compresses what it sends,
  // and a small gzip body can inflate to gigabytes (a gzip bomb).
  app.use(express.json({ limit: options.bodyLimit ?? '100kb', inflate: false }));
  app.use(requireObjectBody);
  if (options.jwtPublicKeys) {
    app.use(
      cookieSession({
        name: 'session',
        // The cookie only carries a JWT, which is signed itself.
        signed: false,
        httpOnly: true,
        sameSite: 'lax',
        // `secure` is deliberately unset: the cookies library then marks the cookie Secure
        // exactly when req.protocol is https (X-Forwarded-Proto from a trusted proxy).
        // `secure: true` would make it refuse to set the cookie on plain-HTTP requests.
      }),
    );
    app.use(currentUser(options.jwtPublicKeys, options.revokedSessions));
  }

  if (options.openApi) app.use(openApiRoutes(options.openApi));
  for (const router of options.routers) {
    app.use(router);
  }

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
