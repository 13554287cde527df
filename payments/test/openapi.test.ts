import { createLogger, Outbox } from '@ticketing/common';
import { listRoutes, TEST_JWT_KEYS, undocumentedRoutes } from '@ticketing/common/testing';
import { TEST_PAYMENT_METHODS } from '@ticketing/fake-stripe';
import mongoose from 'mongoose';
import request from 'supertest';
import { createApp } from '../src/app';
import { openApiDocument } from '../src/openapi';
import { createStripeClient } from '../src/stripe';

// No connections are needed to list routes or serve the document.
const logger = createLogger('payments-test');
const app = createApp({
  logger,
  jwtPublicKeys: TEST_JWT_KEYS.publicKeys,
  outbox: new Outbox({ connection: mongoose.connection, logger }),
  stripe: createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_unused' }),
  webhookSecret: 'whsec_unused',
  currency: 'usd',
});

type Operation = {
  description?: string;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
};
const operation = (path: string, method: string) => openApiDocument.paths[path][method] as Operation;

it('documents every /api/payments route', () => {
  expect(undocumentedRoutes(app, openApiDocument, '/api/payments')).toEqual([]);
  expect(listRoutes(app).filter((route) => route.path.startsWith('/api/payments/docs'))).not.toEqual([]);
});

it('serves the document and the Swagger UI', async () => {
  const json = await request(app).get('/api/payments/docs.json').expect(200);
  expect(json.body.info.title).toBe('Ticketing — Payments API');
  expect(Object.keys(json.body.paths)).toEqual(['/api/payments', '/api/payments/{id}', '/api/payments/webhook']);
  await request(app).get('/api/payments/docs/').expect(200).expect('Content-Type', /html/);
});

it.each([
  ['/api/payments', 'get', ['200', '400', '401']],
  ['/api/payments', 'post', ['201', '202', '400', '401', '402', '403', '404', '413', '415', '502']],
  ['/api/payments/{id}', 'get', ['200', '401', '403', '404']],
  ['/api/payments/webhook', 'post', ['200', '400', '403', '413', '415']],
])('lists every status %s %s can answer', (path, method, statuses) => {
  expect(Object.keys(operation(path, method).responses).sort()).toEqual(statuses);
});

it('describes every response and resolves every reference', () => {
  const text = JSON.stringify(openApiDocument);
  for (const [, name] of text.matchAll(/"#\/components\/schemas\/(\w+)"/g)) {
    expect(openApiDocument.components?.schemas).toHaveProperty(name);
  }
  for (const methods of Object.values(openApiDocument.paths)) {
    for (const op of Object.values(methods) as Operation[]) {
      for (const response of Object.values(op.responses)) expect(response.description).toEqual(expect.any(String));
    }
  }
});

it('refuses unknown fields in the body of payments', () => {
  const schema = operation('/api/payments', 'post').requestBody!.content['application/json'].schema;
  expect(schema).toMatchObject({ additionalProperties: false, required: ['orderId', 'paymentMethod'] });
});

it("describes each of the fake Stripe's test payment methods, and how to complete 3-D Secure", () => {
  const description = operation('/api/payments', 'post').description!;
  for (const [paymentMethod, { card }] of Object.entries(TEST_PAYMENT_METHODS)) {
    expect(description).toContain(`\`${paymentMethod}\``);
    expect(description).toContain(card.last4);
  }
  expect(description).toContain('nextAction.use_stripe_sdk.stripe_js');
});

it('answers health probes', async () => {
  await request(app).get('/healthz').expect(200);
});
