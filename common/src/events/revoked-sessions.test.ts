import { connectBus, type Bus } from './bus';
import { RevokedSessions } from './revoked-sessions';
import { createLogger } from '../kit/logger';
import { startNatsServer, type TestNatsServer } from '../testing/nats-server';
import { waitFor } from '../testing/wait';

let nats: TestNatsServer;
let buses: Bus[];
const watchers: RevokedSessions[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
  buses = await Promise.all(
    ['auth', 'tickets', 'late'].map((name) =>
      connectBus({ servers: nats.url, name, logger: createLogger('test', { level: 'silent' }) }),
    ),
  );
});

afterAll(async () => {
  for (const watcher of watchers) watcher.stop();
  await Promise.all(buses.map((bus) => bus.close()));
  await nats.stop();
});

async function watch(bus: Bus): Promise<RevokedSessions> {
  const watcher = await RevokedSessions.watch(bus);
  watchers.push(watcher);
  return watcher;
}

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

describe('RevokedSessions', () => {
  it('tells every watcher of a sign-out within a second, and a watcher started later at once', async () => {
    const [authBus, ticketsBus, lateBus] = buses;
    const auth = await watch(authBus);
    const tickets = await watch(ticketsBus);

    await auth.revoke('session-1', inAnHour());

    expect(auth.isRevoked('session-1')).toBe(true);
    const started = Date.now();
    await waitFor(() => tickets.isRevoked('session-1'), {
      timeoutMs: 1000,
      description: 'tickets to know the sign-out',
    });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(tickets.isRevoked('session-2')).toBe(false);

    const late = await watch(lateBus);
    expect(late.isRevoked('session-1')).toBe(true);
    expect(late.isWatching()).toBe(true);
    late.stop();
    await waitFor(() => !late.isWatching(), { description: 'the stopped watcher to say so' });
  });

  it('forgets a revocation once its last token has expired', async () => {
    const auth = await watch(buses[0]);

    await auth.revoke('expired-session', Math.floor(Date.now() / 1000) - 1);

    expect(auth.isRevoked('expired-session')).toBe(false);
  });
});
