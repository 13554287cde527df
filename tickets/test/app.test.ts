import { createLogger, Outbox } from '@ticketing/common';
import { TEST_JWT_KEYS, undocumentedRoutes } from '@ticketing/common/testing';
import mongoose from 'mongoose';
import request from 'supertest';
import { createApp } from '../src/app';
import { openApiDocument } from '../src/openapi';

// Health, readiness and docs need no database: an outbox that is never used is enough.
function buildApp(readinessChecks = {}) {
  const logger = createLogger('tickets-test');
  const outbox = new Outbox({ connection: mongoose.connection, logger });
  return createApp({ logger, jwtPublicKeys: TEST_JWT_KEYS.publicKeys, outbox, readinessChecks });
}

describe('tickets app', () => {
  it('documents every /api/tickets route in its OpenAPI document', () => {
    expect(undocumentedRoutes(buildApp(), openApiDocument, '/api/tickets')).toEqual([]);
  });

  it('serves the OpenAPI document and its Swagger UI at /api/tickets/docs', async () => {
    const app = buildApp();
    const json = await request(app).get('/api/tickets/docs.json');
    expect(json.status).toBe(200);
    expect(json.body.paths['/api/tickets/{id}']).toHaveProperty('put');
    const ui = await request(app).get('/api/tickets/docs/');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
  });

  it('answers /healthz, and /readyz according to its checks', async () => {
    await request(buildApp()).get('/healthz').expect(200, { status: 'ok' });
    await request(buildApp({ mongo: () => true, nats: () => true }))
      .get('/readyz')
      .expect(200);
    const notReady = await request(buildApp({ mongo: () => true, nats: () => false })).get('/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body.checks).toEqual({ mongo: 'ok', nats: 'failing' });
  });

  it('answers unknown routes with 404 in the error format', async () => {
    const response = await request(buildApp()).delete('/api/tickets');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ errors: [{ message: 'No such route: check the method and the path' }] });
  });
});
