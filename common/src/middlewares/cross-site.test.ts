import { Router } from 'express';
import request from 'supertest';
import { z } from 'zod';
import { createLogger } from '../kit/logger';
import { createServiceApp } from '../kit/service-app';
import { publicOriginEnv, setPublicOrigins } from './cross-site';

const OURS = 'https://tickets.example.com';
const CROSS_SITE = {
  errors: [{ message: 'This request came from another website: changes are accepted only from our own pages' }],
};

const router = Router();
router.post('/api/things', (_req, res) => {
  res.status(201).json({ created: true });
});
router.get('/api/things', (_req, res) => {
  res.json([]);
});
const app = createServiceApp({ logger: createLogger('test', { level: 'silent' }), routers: [router] });
setPublicOrigins(app, [OURS, 'http://localhost:3000']);

describe('refuseCrossSiteWrites', () => {
  it('refuses a write whose Origin is not one of ours, with 403 in the error format', async () => {
    for (const origin of [
      'https://evil.example',
      'null',
      'https://tickets.example.com.evil.example',
      'http://tickets.example.com',
    ]) {
      const response = await request(app).post('/api/things').set('Origin', origin).send({});
      expect({ origin, status: response.status, body: response.body }).toEqual({
        origin,
        status: 403,
        body: CROSS_SITE,
      });
    }
  });

  it('refuses every write method, before looking at the body', async () => {
    for (const method of ['post', 'put', 'patch', 'delete'] as const) {
      const response = await request(app)
        [method]('/api/things')
        .set('Origin', 'https://evil.example')
        .type('text/plain')
        .send('a=1');
      expect({ method, status: response.status }).toEqual({ method, status: 403 });
    }
  });

  it('refuses a write the browser marks Sec-Fetch-Site: cross-site, whatever its Origin', async () => {
    const response = await request(app)
      .post('/api/things')
      .set('Sec-Fetch-Site', 'cross-site')
      .set('Origin', OURS)
      .send({});
    expect(response.status).toBe(403);
    expect(response.body).toEqual(CROSS_SITE);
  });

  it('lets a write from one of our origins through', async () => {
    for (const origin of [OURS, 'http://localhost:3000']) {
      const response = await request(app)
        .post('/api/things')
        .set('Origin', origin)
        .set('Sec-Fetch-Site', 'same-origin')
        .send({});
      expect({ origin, status: response.status }).toEqual({ origin, status: 201 });
    }
  });

  it('lets a write without Origin or Sec-Fetch-Site through: curl, a server, a webhook', async () => {
    expect((await request(app).post('/api/things').send({})).status).toBe(201);
    expect((await request(app).post('/api/things').set('Sec-Fetch-Site', 'same-origin').send({})).status).toBe(201);
  });

  it('lets reads through from anywhere: they change nothing', async () => {
    const response = await request(app)
      .get('/api/things')
      .set('Origin', 'https://evil.example')
      .set('Sec-Fetch-Site', 'cross-site');
    expect(response.status).toBe(200);
  });

  it('lets no page write until the app is given its public origins', async () => {
    const fresh = createServiceApp({ logger: createLogger('test', { level: 'silent' }), routers: [router] });
    expect((await request(fresh).post('/api/things').set('Origin', OURS).send({})).status).toBe(403);
    expect((await request(fresh).post('/api/things').send({})).status).toBe(201);
  });
});

describe('PUBLIC_ORIGIN', () => {
  const schema = z.object({ PUBLIC_ORIGIN: publicOriginEnv });

  it('is a comma-separated list of origins', () => {
    expect(schema.parse({ PUBLIC_ORIGIN: 'https://tickets.example.com, http://localhost:3000' })).toEqual({
      PUBLIC_ORIGIN: ['https://tickets.example.com', 'http://localhost:3000'],
    });
  });

  it.each([
    'tickets.example.com',
    'https://tickets.example.com/',
    'https://tickets.example.com/shop',
    'https://Tickets.example.com',
    'https://tickets.example.com:443',
    'ftp://files.example.com',
    'https://a.example,',
  ])('refuses %s, saying what an origin is', (value) => {
    const result = schema.safeParse({ PUBLIC_ORIGIN: value });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toMatch(/^must be a comma-separated list of origins .* is not one$/);
  });
});
