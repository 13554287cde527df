import mongoose from 'mongoose';
import request from 'supertest';
import { createLogger, createServiceApp, mongooseConnected, ReadinessChecks } from '.';
import { TEST_JWT_KEYS } from '../testing/signin';

function appWithChecks(readinessChecks?: ReadinessChecks) {
  return createServiceApp({
    logger: createLogger('test', { level: 'silent' }),
    jwtPublicKeys: TEST_JWT_KEYS.publicKeys,
    routers: [],
    readinessChecks,
  });
}

describe('health routes', () => {
  it('GET /healthz is 200 whatever the dependencies say', async () => {
    const app = appWithChecks({ mongo: () => false });

    const response = await request(app).get('/healthz');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 when every check passes, sync or async', async () => {
    const app = appWithChecks({ mongo: () => true, nats: async () => true });

    const response = await request(app).get('/readyz');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok', checks: { mongo: 'ok', nats: 'ok' } });
  });

  it('GET /readyz is 200 with no checks', async () => {
    const response = await request(appWithChecks()).get('/readyz');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok', checks: {} });
  });

  it('GET /readyz is 503 naming the failing check', async () => {
    const app = appWithChecks({ mongo: () => true, nats: async () => false });

    const response = await request(app).get('/readyz');

    expect(response.status).toBe(503);
    expect(response.body).toEqual({ status: 'unavailable', checks: { mongo: 'ok', nats: 'failing' } });
  });

  it('GET /readyz is 503 when a check throws or rejects', async () => {
    const app = appWithChecks({
      mongo: () => {
        throw new Error('no connection');
      },
      nats: () => Promise.reject(new Error('closed')),
      redis: () => true,
    });

    const response = await request(app).get('/readyz');

    expect(response.status).toBe(503);
    expect(response.body).toEqual({
      status: 'unavailable',
      checks: { mongo: 'failing', nats: 'failing', redis: 'ok' },
    });
  });

  it('mongooseConnected is false while mongoose is not connected', () => {
    expect(mongoose.connection.readyState).toBe(mongoose.ConnectionStates.disconnected);
    expect(mongooseConnected()).toBe(false);
  });
});
