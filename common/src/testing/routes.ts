import type { Express } from 'express';
import type { OpenApiDocument } from '../kit/openapi';

export interface RouteSignature {
  method: string;
  /** In OpenAPI form: `/api/tickets/{id}`. */
  path: string;
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/**
 * The routes an app serves, read from Express's router stack. Routers are expected to declare
 * full paths (`router.get('/api/tickets/:id')`) and be mounted at the root, as our services do.
 */
export function listRoutes(app: Express): RouteSignature[] {
  const routes: RouteSignature[] = [];
  const visit = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          for (const method of Object.keys(layer.route.methods)) {
            routes.push({ method, path: path.replace(/:(\w+)/g, '{$1}') });
          }
        }
      } else if (layer.handle?.stack) {
        visit(layer.handle.stack);
      }
    }
  };
  visit((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return routes;
}

/** Routes under `prefix` that the OpenAPI document does not describe. */
export function undocumentedRoutes(app: Express, document: OpenApiDocument, prefix: string): RouteSignature[] {
  return listRoutes(app).filter(
    (route) =>
      route.path.startsWith(prefix) &&
      !route.path.startsWith(`${prefix}/docs`) &&
      document.paths[route.path]?.[route.method] === undefined,
  );
}
