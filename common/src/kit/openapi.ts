import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './pagination';

/** An OpenAPI 3 document, as each service writes it in its `src/openapi.ts`. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, unknown>;
  [extension: string]: unknown;
}

/** Where a service serves its document: `{basePath}/docs` and `{basePath}/docs.json`. */
export interface OpenApiMount {
  basePath: string;
  document: OpenApiDocument;
}

/** `GET {basePath}/docs` (Swagger UI) and `GET {basePath}/docs.json` (the document itself). */
export function openApiRoutes({ basePath, document }: OpenApiMount): Router {
  const router = Router();
  router.get(`${basePath}/docs.json`, (_req, res) => {
    res.json(document);
  });
  router.use(`${basePath}/docs`, swaggerUi.serveFiles(document), swaggerUi.setup(document));
  return router;
}

/** The `info` of every service's document, so the five read as one API: "Ticketing — Orders API". */
export function apiInfo(name: string, description: string): OpenApiDocument['info'] {
  return { title: `Ticketing — ${name} API`, version: '1.0.0', description };
}

/** The error body of every service (`{ errors: [{ message, field? }] }`), for `components.schemas.Errors`. */
export const errorsSchema = {
  type: 'object',
  required: ['errors'],
  properties: {
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['message'],
        properties: {
          message: { type: 'string', description: 'A sentence for people: what is wrong and what to do' },
          field: { type: 'string', description: 'The input field at fault, for every input error' },
        },
      },
    },
  },
};

/** A response in the error format; the document must define `components.schemas.Errors` as `errorsSchema`. */
export function errorResponse(description: string) {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Errors' } } } };
}

/** A required UTF-8 JSON request body with this schema. Unknown fields are refused (400 naming them). */
export function jsonRequestBody(schema: Record<string, unknown>) {
  return { required: true, content: { 'application/json': { schema } } };
}

const CROSS_SITE =
  'the request came from another site’s page (Sec-Fetch-Site: cross-site, or an Origin that is not one of ours)';

/**
 * The 403 of every write route: a page of another site may not change anything (see
 * refuseCrossSiteWrites). `reason` is the route's own 403, if it has one.
 */
export function forbiddenResponse(reason?: string) {
  return { 403: errorResponse(reason ? `${reason}, or ${CROSS_SITE}` : `Refused: ${CROSS_SITE}`) };
}

/**
 * The failures every route taking a JSON body can answer besides its own: `invalidInput` describes
 * its 400 (missing, wrong or unknown fields, plus what the route adds). A route with a 403 of its own
 * adds `forbiddenResponse(reason)` after these.
 */
export function bodyErrorResponses(invalidInput: string) {
  return {
    400: errorResponse(`${invalidInput}. Unknown fields are refused, each named in \`field\`.`),
    ...forbiddenResponse(),
    413: errorResponse('The request body is too large'),
    415: errorResponse('The body is not JSON (Content-Type: application/json, UTF-8)'),
  };
}

/** 401 of a route that needs the session cookie. */
export const notSignedInResponse = { 401: errorResponse('Not signed in') };

/** `limit` and `cursor` of a paginated list (see `paginationRules`). */
export const paginationParameters = [
  {
    name: 'limit',
    in: 'query',
    schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
  },
  {
    name: 'cursor',
    in: 'query',
    schema: { type: 'string' },
    description: 'Opaque; the `X-Next-Cursor` of the previous page.',
  },
];

/** 200 of a paginated list: a JSON array of `itemSchema`, with the next page in the headers. */
export function pageResponse(description: string, itemSchema: Record<string, unknown>) {
  return {
    description: `${description}, newest first. When there is a next page, its cursor and URL are in the headers.`,
    headers: {
      'X-Next-Cursor': { schema: { type: 'string' }, description: 'Cursor of the next page.' },
      Link: { schema: { type: 'string' }, description: '`<url of the next page>; rel="next"`' },
    },
    content: { 'application/json': { schema: { type: 'array', items: itemSchema } } },
  };
}

/** The session cookie set by the auth service, for `components.securitySchemes.session`. */
export const sessionCookieScheme = { type: 'apiKey', in: 'cookie', name: 'session' };
