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
