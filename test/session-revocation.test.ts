// Signing out ends the session in every service within a second: auth writes the session id to the
// revoked-sessions bucket, and every service's currentUser refuses it once its watcher has seen it.
// The apps are built without databases: every request here is answered before a route would reach one.
import { connectBus, createLogger, RevokedSessions, type Bus } from '@ticketing/common';
import { signin, startNatsServer, waitFor, type TestNatsServer } from '@ticketing/common/testing';
import type { Express } from 'express';
import request from 'supertest';
import { buildServiceApp, type ServiceWithApi } from './service-apps';

interface Service {
  name: ServiceWithApi;
  /** A request that needs a session: 401 when signed out, 400 (its empty body refused) when signed in. */
  protectedWrite: string;
  app?: Express;
}

const services: Service[] = [
  { name: 'tickets', protectedWrite: '/api/tickets' },
  { name: 'orders', protectedWrite: '/api/orders' },
  { name: 'payments', protectedWrite: '/api/payments' },
];

let nats: TestNatsServer;
const buses: Bus[] = [];
const watchers: RevokedSessions[] = [];
let auth: Express;

/** A watcher on a connection of its own, as each service process has. */
async function revokedSessionsOf(name: string): Promise<RevokedSessions> {
  const bus = await connectBus({ servers: nats.url, name, logger: createLogger('test', { level: 'silent' }) });
  buses.push(bus);
  const watcher = await RevokedSessions.watch(bus);
  watchers.push(watcher);
  return watcher;
}

beforeAll(async () => {
  nats = await startNatsServer();
  const authRevokedSessions = await revokedSessionsOf('auth');
  await jest.isolateModulesAsync(async () => {
    auth = await buildServiceApp('auth', authRevokedSessions);
  });
  for (const service of services) {
    const revokedSessions = await revokedSessionsOf(service.name);
    await jest.isolateModulesAsync(async () => {
      service.app = await buildServiceApp(service.name, revokedSessions);
    });
  }
});

afterAll(async () => {
  for (const watcher of watchers) watcher.stop();
  await Promise.all(buses.map((bus) => bus.close()));
  await nats.stop();
});

const statusIn = async (service: Service, cookie: string[]) =>
  (await request(service.app!).post(service.protectedWrite).set('Cookie', cookie).send({})).status;

describe('signing out', () => {
  it('ends the session in tickets, orders and payments within a second, and only that session', async () => {
    const userId = '5f0c1e2d3b4a596877665544';
    const signedOut = signin({ id: userId });
    const otherDevice = signin({ id: userId });
    for (const service of services)
      expect({ service: service.name, status: await statusIn(service, signedOut) }).toEqual({
        service: service.name,
        status: 400,
      });

    await request(auth).post('/api/users/signout').set('Cookie', signedOut).expect(200);
    const signedOutAt = Date.now();

    await waitFor(
      async () => {
        const statuses = await Promise.all(services.map((service) => statusIn(service, signedOut)));
        return statuses.every((status) => status === 401);
      },
      { timeoutMs: 1000, description: 'every service to refuse the signed-out session' },
    );
    expect(Date.now() - signedOutAt).toBeLessThan(1000);
    const currentUser = await request(auth).get('/api/users/currentuser').set('Cookie', signedOut).expect(200);
    expect(currentUser.body).toEqual({ currentUser: null });
    for (const service of services)
      expect({ service: service.name, status: await statusIn(service, otherDevice) }).toEqual({
        service: service.name,
        status: 400,
      });
  });
});
