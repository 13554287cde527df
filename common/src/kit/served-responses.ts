import diagnosticsChannel from 'node:diagnostics_channel';
import type { RequestHandler } from 'express';
import type { OpenApiMount } from './openapi';

/** One response a service app sent from one of its routes. */
export interface ServedResponse {
  method: string;
  /** The matched route in OpenAPI form: `/api/tickets/{id}`. */
  path: string;
  status: number;
  /** The document of the app that served it. */
  openApi: OpenApiMount;
}

/**
 * Every response a route of a documented service app sends is published here, so tests can check
 * it against the app's OpenAPI document. Nothing is published, and nothing is done per request
 * beyond one check, while nobody subscribes (production).
 */
export const servedResponses = diagnosticsChannel.channel('ticketing:served-response');

export function reportServedResponses(openApi: OpenApiMount): RequestHandler {
  return (req, res, next) => {
    if (servedResponses.hasSubscribers) {
      res.once('finish', () => {
        // Set by Express when a route matched; a request no route matched has no documented answer.
        const routePath: unknown = req.route?.path;
        if (typeof routePath !== 'string') return;
        const response: ServedResponse = {
          method: req.method.toLowerCase(),
          path: routePath.replace(/:(\w+)/g, '{$1}'),
          status: res.statusCode,
          openApi,
        };
        servedResponses.publish(response);
      });
    }
    next();
  };
}
