import { undocumentedRoutes } from '@ticketing/common/testing';
import request from 'supertest';
import { ordersOpenApi } from '../../src/openapi';
import { buildApp, startOrdersTestEnvironment, type OrdersTestEnvironment } from '../setup';

let env: OrdersTestEnvironment;
let app: ReturnType<typeof buildApp>;

beforeAll(async () => {
  env = await startOrdersTestEnvironment();
  app = buildApp(env.outbox);
});
afterAll(() => env.stop());

it('documents every /api/orders route', () => {
  expect(undocumentedRoutes(app, ordersOpenApi, '/api/orders')).toEqual([]);
});

it('serves the OpenAPI document and its UI', async () => {
  const json = await request(app).get('/api/orders/docs.json').expect(200);
  expect(json.body.paths['/api/orders/{id}'].delete).toBeDefined();
  const ui = await request(app).get('/api/orders/docs/').expect(200);
  expect(ui.text).toContain('swagger');
});

it('answers the health probes', async () => {
  await request(app).get('/healthz').expect(200);
  await request(app).get('/readyz').expect(200);
});
