import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';

/** An OpenAPI 3 document, as each service writes it in its `src/openapi.ts`. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, unknown>;
  [extension: string]: unknown;
}

/** `GET {basePath}/docs` (Swagger UI) and `GET {basePath}/docs.json` (the document itself). */
export function openApiRoutes(basePath: string, document: OpenApiDocument): Router {
  const router = Router();
  router.get(`${basePath}/docs.json`, (_req, res) => {
    res.json(document);
  });
  router.use(`${basePath}/docs`, swaggerUi.serveFiles(document), swaggerUi.setup(document));
  return router;
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
        properties: { message: { type: 'string' }, field: { type: 'string', description: 'The input field at fault' } },
      },
    },
  },
};

/** A response in the error format; the document must define `components.schemas.Errors` as `errorsSchema`. */
export function errorResponse(description: string) {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Errors' } } } };
}

/** The session cookie set by the auth service, for `components.securitySchemes.session`. */
export const sessionCookieScheme = { type: 'apiKey', in: 'cookie', name: 'session' };
