import { createLogger } from '@ticketing/common';
import { listRoutes, TEST_JWT_KEYS, undocumentedRoutes } from '@ticketing/common/testing';
import request from 'supertest';
import { createApp } from '../src/app';
import { openApiDocument } from '../src/openapi';

// No connections are needed to list routes or serve the document.
const app = createApp({ logger: createLogger('notifications-test'), jwtPublicKeys: TEST_JWT_KEYS.publicKeys });

type Operation = {
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string }>;
};
const operation = (path: string, method: string) => openApiDocument.paths[path][method] as Operation;

it('documents every /api/notifications route', () => {
  expect(undocumentedRoutes(app, openApiDocument, '/api/notifications')).toEqual([]);
  expect(listRoutes(app).filter((route) => route.path.startsWith('/api/notifications/docs'))).not.toEqual([]);
});

it('serves the document and the Swagger UI', async () => {
  const json = await request(app).get('/api/notifications/docs.json').expect(200);
  expect(json.body.info.title).toBe('Ticketing — Notifications API');
  expect(json.body.info.description).toContain('| receipt');
  expect(Object.keys(json.body.paths)).toEqual(['/api/notifications/preferences']);
  await request(app).get('/api/notifications/docs/').expect(200).expect('Content-Type', /html/);
});

it.each([
  ['get', ['200', '401']],
  ['put', ['200', '400', '401', '403', '413', '415']],
])('lists every status %s can answer', (method, statuses) => {
  expect(Object.keys(operation('/api/notifications/preferences', method).responses).sort()).toEqual(statuses);
});

it('refuses unknown fields in the body of preferences, which are all optional booleans', () => {
  const schema = operation('/api/notifications/preferences', 'put').requestBody!.content['application/json'].schema;
  expect(schema).toMatchObject({
    additionalProperties: false,
    properties: {
      ticketSold: { type: 'boolean' },
      reservationExpired: { type: 'boolean' },
      welcome: { type: 'boolean' },
    },
  });
  expect(schema.required).toBeUndefined();
});

it('answers health probes', async () => {
  await request(app).get('/healthz').expect(200);
});
