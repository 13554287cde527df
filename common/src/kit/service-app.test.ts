import { Router } from 'express';
import request from 'supertest';
import { createServiceApp, Logger, REQUEST_ID_HEADER } from '.';
import { signin, TEST_JWT_KEYS } from '../testing/signin';
import { captureLogs } from '../testing/log-capture';

function buildApp(logger: Logger = captureLogs().logger) {
  const router = Router();
  router.post('/api/users/signin', (req, res) => {
    req.session = { jwt: 'a-token' };
    res.json({ ok: true });
  });
  router.get('/api/users/currentuser', (req, res) => {
    res.json({ currentUser: req.currentUser ?? null });
  });
  router.get('/api/log', (req, res) => {
    req.log.info({ note: 'from the handler' }, 'handler log');
    res.json({});
  });
  const rawRouter = Router();
  rawRouter.post('/api/payments/webhook', (req, res) => {
    let size = 0;
    req.on('data', (chunk: Buffer) => (size += chunk.length));
    req.on('end', () => res.json({ parsedBody: req.body ?? null, rawBytes: size }));
  });
  return createServiceApp({
    logger,
    jwtPublicKeys: TEST_JWT_KEYS.publicKeys,
    routers: [router],
    rawBodyRouters: [rawRouter],
  });
}

describe('createServiceApp', () => {
  it('does not advertise Express', async () => {
    const response = await request(buildApp()).get('/healthz');

    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('reads the session cookie into currentUser', async () => {
    const response = await request(buildApp())
      .get('/api/users/currentuser')
      .set('Cookie', signin({ id: 'user-1', email: 'a@b.com' }));

    expect(response.body).toEqual({ currentUser: { id: 'user-1', email: 'a@b.com' } });
  });

  it('sets the session cookie httpOnly, SameSite=Lax, unsigned, and not Secure over plain HTTP', async () => {
    const response = await request(buildApp()).post('/api/users/signin').send({});

    const cookies = response.headers['set-cookie'] as unknown as string[];
    expect(cookies).toHaveLength(1);
    const [cookie] = cookies;
    expect(cookie).toMatch(/^session=[A-Za-z0-9+/=]+; path=\/; samesite=lax; httponly$/);
    const value = cookie.slice('session='.length, cookie.indexOf(';'));
    expect(JSON.parse(Buffer.from(value, 'base64').toString())).toEqual({ jwt: 'a-token' });
  });

  it('marks the cookie Secure when a trusted proxy says the request came over HTTPS', async () => {
    const response = await request(buildApp()).post('/api/users/signin').set('X-Forwarded-Proto', 'https').send({});

    const [cookie] = response.headers['set-cookie'] as unknown as string[];
    expect(cookie).toMatch(/; secure; httponly$/);
  });

  it('mounts raw-body routers before the JSON parser', async () => {
    const payload = JSON.stringify({ type: 'payment_intent.succeeded' });

    const response = await request(buildApp())
      .post('/api/payments/webhook')
      .set('Content-Type', 'application/json')
      .send(payload);

    expect(response.body).toEqual({ parsedBody: null, rawBytes: payload.length });
  });
});

describe('request logging', () => {
  it('gives each request a new UUID, echoed in x-request-id and carried by its log lines', async () => {
    const { logger, lines } = captureLogs();
    const app = buildApp(logger);

    const first = await request(app).get('/api/log');
    const second = await request(app).get('/api/log');

    const firstId = first.headers[REQUEST_ID_HEADER];
    expect(firstId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second.headers[REQUEST_ID_HEADER]).not.toBe(firstId);
    const handlerLine = lines.find((line) => line.msg === 'handler log');
    expect(handlerLine).toMatchObject({ service: 'test-service', note: 'from the handler', req: { id: firstId } });
    const completedLine = lines.find((line) => line.msg === 'request completed');
    expect(completedLine).toMatchObject({
      req: { id: firstId, method: 'GET', url: '/api/log' },
      res: { statusCode: 200 },
    });
  });

  it('keeps an incoming x-request-id', async () => {
    const response = await request(buildApp()).get('/api/log').set(REQUEST_ID_HEADER, 'gateway-abc.123');

    expect(response.headers[REQUEST_ID_HEADER]).toBe('gateway-abc.123');
  });

  it('replaces an incoming x-request-id that is not a plain token', async () => {
    const response = await request(buildApp()).get('/api/log').set(REQUEST_ID_HEADER, 'evil"}\t{"level":60');

    expect(response.headers[REQUEST_ID_HEADER]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs 4xx responses as warnings', async () => {
    const { logger, lines } = captureLogs();

    await request(buildApp(logger)).get('/nowhere');

    expect(lines.find((line) => line.msg === 'request completed')).toMatchObject({
      level: 40,
      res: { statusCode: 404 },
    });
  });

  it('never writes cookies, the session or authorization headers to the log', async () => {
    const { logger, raw, lines } = captureLogs();
    const app = buildApp(logger);
    const [sessionCookie] = signin();
    const sessionValue = sessionCookie.slice('session='.length);

    await request(app)
      .get('/api/log')
      .set('Cookie', `${sessionCookie}; other=cookie-secret-value`)
      .set('Authorization', 'Bearer bearer-secret-value');
    await request(app).post('/api/users/signin').send({});

    const output = raw.join('');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(output).not.toContain(sessionValue);
    expect(output).not.toContain('cookie-secret-value');
    expect(output).not.toContain('bearer-secret-value');
    // The signin response's Set-Cookie carries a base64 of {"jwt":"a-token"}.
    expect(output).not.toContain(Buffer.from(JSON.stringify({ jwt: 'a-token' })).toString('base64'));
    expect(lines.find((line) => line.msg === 'handler log')).toMatchObject({
      req: { headers: { cookie: '[redacted]', authorization: '[redacted]' } },
    });
  });

  it('does not log health probes nor metrics scrapes', async () => {
    const { logger, lines } = captureLogs();
    const app = buildApp(logger);

    await request(app).get('/healthz');
    await request(app).get('/readyz?verbose=1');
    await request(app).get('/metrics').expect(200);

    expect(lines).toEqual([]);
  });
});
