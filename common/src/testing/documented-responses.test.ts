import { Router } from 'express';
import request from 'supertest';
import { createLogger } from '../kit/logger';
import type { OpenApiDocument } from '../kit/openapi';
import { createServiceApp } from '../kit/service-app';
import { recordUndocumentedResponses } from './documented-responses';

const document: OpenApiDocument = {
  openapi: '3.0.3',
  info: { title: 'Things', version: '1.0.0' },
  paths: { '/api/things/{id}': { get: { responses: { 200: { description: 'the thing' } } } } },
};

const router = Router();
router.get('/api/things/:id', (req, res) => {
  res.status(req.params.id === 'missing' ? 404 : 200).json({});
});
const app = createServiceApp({
  logger: createLogger('test', { level: 'silent' }),
  routers: [router],
  openApi: { basePath: '/api/things', document },
});

describe('recordUndocumentedResponses', () => {
  it('names a status the document does not list for the route, and nothing else', async () => {
    const recording = recordUndocumentedResponses();
    await request(app).get('/api/things/1').expect(200);
    await request(app).get('/api/things/missing').expect(404);
    await request(app).get('/api/things/missing').expect(404);
    // No route matched: nothing a document could describe.
    await request(app).get('/api/other').expect(404);
    await request(app).get('/healthz').expect(200);
    // The kit's /metrics is, like the probes, outside the API's base path: for Prometheus, not documented.
    await request(app).get('/metrics').expect(200);

    expect(recording.stop()).toEqual(['GET /api/things/{id} answered 404, not in the OpenAPI document']);
  });

  it('records nothing once stopped', async () => {
    const recording = recordUndocumentedResponses();
    expect(recording.stop()).toEqual([]);
    await request(app).get('/api/things/missing').expect(404);
    expect(recording.stop()).toEqual([]);
  });
});
