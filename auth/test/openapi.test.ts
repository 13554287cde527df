import { undocumentedRoutes } from '@ticketing/common/testing';
import request from 'supertest';
import { openApiDocument } from '../src/openapi';
import { buildApp } from './setup';

const app = buildApp();

describe('OpenAPI document', () => {
  it('describes every route of the service', () => {
    expect(undocumentedRoutes(app, openApiDocument, '/api/users')).toEqual([]);
    expect(Object.keys(openApiDocument.paths).sort()).toEqual([
      '/api/users/currentuser',
      '/api/users/signin',
      '/api/users/signout',
      '/api/users/signup',
    ]);
  });

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
