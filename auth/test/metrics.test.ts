// The auth service's /metrics after traffic: requests by route template and status, labelled auth.
import { metricValue } from '@ticketing/common/testing';
import request from 'supertest';
import { buildApp, signin, signup, useTestEnvironment } from './setup';

useTestEnvironment();

it('counts sign-ups and sign-ins by route template and status, each within the histogram buckets', async () => {
  const app = buildApp();
  await signup(app, 'metrics@example.com').expect(201);
  await signin(app, 'metrics@example.com', 'wrong password').expect(400);
  await signin(app, 'metrics@example.com').expect(200);
  await request(app).get('/api/users/nothing').expect(404);

  const text = (await request(app).get('/metrics').expect(200)).text;
  const count = (labels: Record<string, string>) =>
    metricValue(text, 'http_request_duration_seconds_count', { service: 'auth', ...labels });
  expect(count({ method: 'POST', route: '/api/users/signup', status_code: '201' })).toBe(1);
  expect(count({ method: 'POST', route: '/api/users/signin', status_code: '400' })).toBe(1);
  expect(count({ method: 'POST', route: '/api/users/signin', status_code: '200' })).toBe(1);
  expect(count({ method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
  // Slow by design (scrypt), and still within the last finite bucket.
  const signupLabels = { service: 'auth', route: '/api/users/signup', status_code: '201' };
  expect(metricValue(text, 'http_request_duration_seconds_bucket', { ...signupLabels, le: '10' })).toBe(1);
  expect(metricValue(text, 'http_request_duration_seconds_sum', signupLabels)).toBeGreaterThan(0);
  expect(metricValue(text, 'process_resident_memory_bytes', { service: 'auth' })).toBeGreaterThan(0);
});
