import { connectBus, createLogger, RevokedSessions } from '@ticketing/common';
import { startNatsServer } from '@ticketing/common/testing';
import request from 'supertest';
import { buildApp, PASSWORD, setCookies, useTestEnvironment } from '../setup';

useTestEnvironment();
const app = buildApp();

describe('POST /api/users/signout', () => {
  it('answers 200 {} and expires the session cookie, after which the user is signed out', async () => {
    // The agent keeps cookies between requests, as a browser does.
    const agent = request.agent(app);
    await agent.post('/api/users/signup').send({ email: 'alice@example.com', password: PASSWORD }).expect(201);
    const before = await agent.get('/api/users/currentuser');
    expect(before.body.currentUser).toMatchObject({ email: 'alice@example.com' });

    const response = await agent.post('/api/users/signout');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({});
    const [cleared] = setCookies(response);
    expect(cleared).toMatch(/^session=;/);
    expect(cleared.toLowerCase()).toContain('expires=thu, 01 jan 1970 00:00:00 gmt');
    expect(cleared.toLowerCase()).toContain('; httponly');
    const afterwards = await agent.get('/api/users/currentuser');
    expect(afterwards.body).toEqual({ currentUser: null });
  });

  it('answers 200 {} when already signed out', async () => {
    const response = await request(app).post('/api/users/signout');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({});
  });

  it('answers 503 and keeps the session when the sign-out cannot be recorded (NATS unreachable)', async () => {
    const nats = await startNatsServer();
    const bus = await connectBus({
      servers: nats.url,
      name: 'signout-test',
      logger: createLogger('test', { level: 'silent' }),
    });
    const revokedSessions = await RevokedSessions.watch(bus);
    const agent = request.agent(buildApp({ revokedSessions }));
    await agent.post('/api/users/signup').send({ email: 'bob@example.com', password: PASSWORD }).expect(201);
    revokedSessions.stop();
    await bus.close();
    await nats.stop();

    const response = await agent.post('/api/users/signout');

    expect(response.status).toBe(503);
    expect(response.body).toEqual({
      errors: [{ message: 'Signing out is not possible right now: try again in a moment' }],
    });
    expect(setCookies(response)).toEqual([]);
    const still = await agent.get('/api/users/currentuser');
    expect(still.body.currentUser).toMatchObject({ email: 'bob@example.com' });
  });
});
