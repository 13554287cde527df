import { createLogger, Outbox } from '@ticketing/common';
import { TEST_JWT_KEY, undocumentedRoutes } from '@ticketing/common/testing';
import mongoose from 'mongoose';
import request from 'supertest';
import { createApp } from '../src/app';
import { openApiDocument } from '../src/openapi';
import { createStripeClient } from '../src/stripe';

// No connections are needed to list routes or serve the document.
const app = createApp({
  logger: createLogger('payments-test'),
  jwtKey: TEST_JWT_KEY,
  outbox: new Outbox({ connection: mongoose.connection, logger: createLogger('payments-test') }),
  stripe: createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_unused' }),
  webhookSecret: 'whsec_unused',
  currency: 'usd',
});

it('documents every /api/payments route', () => {
  expect(undocumentedRoutes(app, openApiDocument, '/api/payments')).toEqual([]);
});

it('serves the document and the Swagger UI', async () => {
  const json = await request(app).get('/api/payments/docs.json').expect(200);
  expect(json.body.paths['/api/payments'].post).toBeDefined();
  await request(app).get('/api/payments/docs/').expect(200).expect('Content-Type', /html/);
});

it('answers health probes', async () => {
  await request(app).get('/healthz').expect(200);
});
