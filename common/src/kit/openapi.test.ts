import { Router } from 'express';
import request from 'supertest';
import { undocumentedRoutes } from '../testing/routes';
import { TEST_JWT_KEYS } from '../testing/signin';
import { createLogger } from './logger';
import type { OpenApiDocument } from './openapi';
import { createServiceApp } from './service-app';

const document: OpenApiDocument = {
  openapi: '3.0.3',
  info: { title: 'Things', version: '1.0.0' },
  paths: { '/api/things': { get: { responses: { 200: { description: 'the things' } } } } },
};

function appWith(routes: (router: Router) => void) {
  const router = Router();
  routes(router);
  return createServiceApp({
    logger: createLogger('things'),
    jwtPublicKeys: TEST_JWT_KEYS.publicKeys,
    routers: [router],
    openApi: { basePath: '/api/things', document },
  });
}

describe('the OpenAPI document of a service app', () => {
  it('serves the document as JSON and the Swagger UI page', async () => {
    const app = appWith((router) => router.get('/api/things', (_req, res) => res.json([])));
    const json = await request(app).get('/api/things/docs.json').expect(200);
    expect(json.body).toEqual(document);
    const page = await request(app).get('/api/things/docs/').expect(200);
    expect(page.text).toContain('swagger-ui');
  });
});

describe('undocumentedRoutes', () => {
  it('is empty when every route is in the document', () => {
    const app = appWith((router) => router.get('/api/things', (_req, res) => res.json([])));
    expect(undocumentedRoutes(app, document, '/api/things')).toEqual([]);
  });

  it('names routes missing from the document, with OpenAPI path parameters', () => {
    const app = appWith((router) => {
      router.get('/api/things', (_req, res) => res.json([]));
      router.put('/api/things/:id', (_req, res) => res.json({}));
      router.post('/api/things', (_req, res) => res.status(201).json({}));
    });
    expect(undocumentedRoutes(app, document, '/api/things')).toEqual([
      { method: 'put', path: '/api/things/{id}' },
      { method: 'post', path: '/api/things' },
    ]);
  });
});
