import type { Express, RequestHandler } from 'express';
import { z } from 'zod';
import { ForbiddenError } from '../errors/forbidden-error';
import { requestMessages } from '../validation/messages';
import { WRITE_METHODS } from './write-methods';

const ORIGIN_LIST_FORMAT =
  'must be a comma-separated list of origins (scheme, host and port if not the default, no path), e.g. https://tickets.example.com';

/** Whether `text` is an http(s) origin written as browsers send it in Origin: `https://example.com`, `http://localhost:3000`. */
function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === text;
  } catch {
    return false;
  }
}

/**
 * PUBLIC_ORIGIN: where people reach the site (the ingress's host; the local gateway), comma-separated.
 * Required, so that a deployment cannot forget it and leave every page unable to write unnoticed.
 */
export const publicOriginEnv = z.string().transform((text, ctx): string[] => {
  const origins = text.split(',').map((origin) => origin.trim());
  const wrong = origins.find((origin) => !isOrigin(origin));
  if (wrong !== undefined) {
    ctx.issues.push({ code: 'custom', message: `${ORIGIN_LIST_FORMAT}; "${wrong}" is not one`, input: text });
    return z.NEVER;
  }
  return origins;
});

/** The app setting holding the origins whose pages may change things (PUBLIC_ORIGIN). */
const PUBLIC_ORIGINS_SETTING = 'public origins';

/** The origins whose pages may send the app's writes: none in createServiceApp, PUBLIC_ORIGIN's in runService. */
export function setPublicOrigins(app: Express, origins: readonly string[]): void {
  app.set(PUBLIC_ORIGINS_SETTING, origins);
}

/**
 * Refuses (403) a write that a browser sent from another site's page: one it marks
 * `Sec-Fetch-Site: cross-site`, or one whose Origin is not a public origin of ours. A request with
 * neither header passes: browsers send an Origin with every cross-site write, so it comes from a
 * program (curl, the client's server calling the API, Stripe's webhook), not from another site's page.
 * Reads pass: they change nothing, and another site cannot read their answers (no CORS).
 */
export const refuseCrossSiteWrites: RequestHandler = (req, _res, next) => {
  if (!WRITE_METHODS.has(req.method)) return next();
  const publicOrigins = req.app.get(PUBLIC_ORIGINS_SETTING) as readonly string[];
  const origin = req.headers.origin;
  if (req.headers['sec-fetch-site'] === 'cross-site' || (origin !== undefined && !publicOrigins.includes(origin))) {
    throw new ForbiddenError(requestMessages.crossSite);
  }
  next();
};
