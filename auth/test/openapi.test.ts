import { undocumentedRoutes } from '@ticketing/common/testing';
import request from 'supertest';
import { openApiDocument } from '../src/openapi';
import { buildApp } from './setup';

const app = buildApp();

describe('OpenAPI document', () => {
  it('describes every route of the service', () => {
    expect(undocumentedRoutes(app, openApiDocument, '/api/users')).toEqual([]);
    expect(Object.keys(openApiDocument.paths).sort()).toEqual([
      '/api/users/.well-known/jwks.json',
      '/api/users/currentuser',
      '/api/users/signin',
      '/api/users/signout',
      '/api/users/signup',
    ]);
  });

  it("is titled like the other services' documents", () => {
    expect(openApiDocument.info.title).toBe('Ticketing — Auth API');
  });

  it.each(['/api/users/signup', '/api/users/signin', '/api/users/signout'])(
    'lists the body failures of POST %s and refuses unknown fields in its body schema',
    (path) => {
      const operation = openApiDocument.paths[path].post as {
        requestBody: { content: { 'application/json': { schema: { additionalProperties?: boolean } } } };
        responses: Record<string, unknown>;
      };

      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['400', '413', '415']));
      expect(operation.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    },
  );

  it('is served as JSON and as Swagger UI', async () => {
    const json = await request(app).get('/api/users/docs.json');
    const page = await request(app).get('/api/users/docs/');

    expect(json.status).toBe(200);
    expect(json.body).toEqual(openApiDocument);
    expect(page.status).toBe(200);
    expect(page.text).toContain('swagger-ui');
  });
});

describe('health routes', () => {
  it('answers /healthz and reports readiness checks on /readyz', async () => {
    const ready = buildApp({ readinessChecks: { mongo: () => true } });
    const notReady = buildApp({ readinessChecks: { mongo: () => false } });

    await request(ready).get('/healthz').expect(200, { status: 'ok' });
    await request(ready)
      .get('/readyz')
      .expect(200, { status: 'ok', checks: { mongo: 'ok' } });
    await request(notReady)
      .get('/readyz')
      .expect(503, { status: 'unavailable', checks: { mongo: 'failing' } });
  });
});
