// The whole system with two replicas of each service, its processes killed while it runs: each is
// restarted and the system goes on. One stack for the file, as starting ten services from their
// sources takes most of a minute on a loaded two-core machine; the last test stops it.
import { readFileSync, statSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { startStack, type Stack } from '../src';
import { answersOk } from '../src/probes';
import {
  allFree,
  eventually,
  freePorts,
  HttpUser,
  isRunning,
  makeTempDir,
  redisCommand,
  removeDir,
  streamMessages,
  waitUntil,
} from './helpers';

const STACK_START_TIMEOUT_MS = 180_000;
const TEST_TIMEOUT_MS = 90_000;

interface Ticket {
  id: string;
  title: string;
}

let dataDir: string;
let infrastructurePorts: { mongo: number; nats: number; redis: number };
let stack: Stack | undefined;
let notices: string[];
let giveUps: string[];
let seller: HttpUser;
let buyer: HttpUser;

beforeAll(async () => {
  dataDir = await makeTempDir();
  const [mongo, nats, redis] = await freePorts(3);
  infrastructurePorts = { mongo, nats, redis };
  notices = [];
  giveUps = [];
  stack = await startStack({
    dataDir,
    mongo: { port: mongo },
    nats: { port: nats },
    redis: { port: redis },
    runMode: 'source',
    replicas: 2,
    onNotice: (message) => notices.push(message),
    onGiveUp: (message) => giveUps.push(message),
  });
  seller = new HttpUser(stack.url, 'seller@example.com');
  buyer = new HttpUser(stack.url, 'buyer@example.com');
  for (const user of [seller, buyer]) {
    expect((await user.request('POST', '/api/users/signup', { email: user.email, password: 'pw-secret' })).status).toBe(
      201,
    );
  }
}, STACK_START_TIMEOUT_MS);

afterAll(async () => {
  await stack?.stop();
  stack = undefined;
  await removeDir(dataDir);
});

afterEach(() => {
  expect(giveUps).toEqual([]);
  notices.length = 0;
});

function running(): Stack {
  if (!stack) throw new Error('the stack is not running');
  return stack;
}

async function listTicket(title: string): Promise<Ticket> {
  const response = await seller.request<Ticket>('POST', '/api/tickets', { title, price: 10 });
  expect(response.status).toBe(201);
  return response.body;
}

/** Waits until every expiration instance is ready, which it is only while connected to Redis. */
async function expirationReady(): Promise<void> {
  for (const instance of running().instances.filter(({ service }) => service === 'expiration')) {
    await eventually(`${instance.name} to be ready`, async () =>
      (await answersOk(`http://127.0.0.1:${instance.port}/readyz`)) ? true : undefined,
    );
  }
}

/** Calls `send` again and again until `until` settles, and gives what each call gave. */
async function repeatUntil<T>(send: () => Promise<T>, until: Promise<unknown>): Promise<T[]> {
  let settled = false;
  void until.then(
    () => (settled = true),
    () => (settled = true),
  );
  const results: T[] = [];
  while (!settled) results.push(await send());
  return results;
}

test(
  'a replica killed under a stream of requests: every request answered, and the replica restarted and serving',
  async () => {
    const ticket = await listTicket('Concert');
    const killedPid = running().pid('tickets#2');
    const logFile = running().instances.find(({ name }) => name === 'tickets#2')!.logFile;
    let logSizeWhenBack = 0;
    const writesWhileDown: number[] = [];
    const killAndWait = (async () => {
      await delay(1_000);
      running().kill('tickets#2', 'SIGKILL');
      const back = running().whenUp('tickets#2', 60_000);
      let isBack = false;
      void back.then(() => (isBack = true));
      await waitUntil(() => running().pid('tickets#2') === undefined);
      // The instance is gone: a write goes to the other one, never to a 502.
      while (!isBack) {
        writesWhileDown.push(
          (await seller.request('POST', '/api/tickets', { title: 'Listed meanwhile', price: 5 })).status,
        );
      }
      await back;
      logSizeWhenBack = statSync(logFile).size;
      await delay(1_000);
    })();
    const reads = await Promise.all(
      [0, 1].map(() =>
        repeatUntil(async () => (await buyer.request('GET', `/api/tickets/${ticket.id}`)).status, killAndWait),
      ),
    );

    expect(reads.flat().length).toBeGreaterThan(20);
    expect(new Set(reads.flat())).toEqual(new Set([200]));
    expect(writesWhileDown.length).toBeGreaterThan(0);
    expect(new Set(writesWhileDown)).toEqual(new Set([201]));
    expect(notices).toEqual(['tickets#2 was killed by SIGKILL; restarting in 0.5 s (restart 1)', 'tickets#2 is back']);
    expect(running().pid('tickets#2')).not.toBe(killedPid);
    // Back, it gets its turn through the gateway again.
    expect(readFileSync(logFile, 'utf8').slice(logSizeWhenBack)).toContain(`"url":"/api/tickets/${ticket.id}"`);
  },
  TEST_TIMEOUT_MS,
);

test(
  'NATS killed: restarted with its stream, and events flow again',
  async () => {
    const ticket = await listTicket('Opera');
    // Orders has the ticket once the event has gone through NATS.
    await eventually('orders to learn of the ticket', async () => {
      const order = await buyer.request<{ id: string }>('POST', '/api/orders', { ticketId: ticket.id });
      return order.status === 201 ? order.body : undefined;
    });
    const natsUrl = running().infrastructure.nats;
    const before = await streamMessages(natsUrl);
    expect(before.TICKETING).toBeGreaterThan(0);

    running().kill('nats', 'SIGKILL');
    await running().whenUp('nats', 30_000);
    expect(notices).toEqual(['nats was killed by SIGKILL; restarting in 0.5 s (restart 1)', 'nats is back']);
    expect((await streamMessages(natsUrl)).TICKETING).toBeGreaterThanOrEqual(before.TICKETING);

    const after = await listTicket('Ballet');
    await eventually('orders to learn of a ticket listed after the restart', async () => {
      const order = await buyer.request('POST', '/api/orders', { ticketId: after.id });
      return order.status === 201 ? true : undefined;
    });
  },
  TEST_TIMEOUT_MS,
);

test(
  'Redis killed: restarted with its data; asked to, restarted empty',
  async () => {
    expect(await redisCommand(infrastructurePorts.redis, 'SET kept yes')).toBe('+OK');
    running().kill('redis', 'SIGKILL');
    await running().whenUp('redis', 30_000);
    expect(notices).toEqual(['redis was killed by SIGKILL; restarting in 0.5 s (restart 1)', 'redis is back']);
    expect(await redisCommand(infrastructurePorts.redis, 'GET kept')).toBe('$3');
    await expirationReady();

    const pid = running().pid('redis');
    await running().restartServer('redis', { wipeData: true });
    expect(running().pid('redis')).not.toBe(pid);
    expect(await redisCommand(infrastructurePorts.redis, 'GET kept')).toBe('$-1');
    await expirationReady();
    expect(notices).toHaveLength(2);
  },
  TEST_TIMEOUT_MS,
);

test(
  'stop() while a restart waits for its time: nothing is left running, and nothing starts later',
  async () => {
    const names = [...running().instances.map(({ name }) => name), 'nats', 'redis'];
    const pids = names.map((name) => running().pid(name)!);
    const ports = [
      ...running().instances.map(({ port }) => port),
      ...Object.values(infrastructurePorts),
      Number(new URL(running().url).port),
    ];
    running().kill('orders#1', 'SIGKILL');
    await waitUntil(() => notices.length === 1);
    expect(notices).toEqual(['orders#1 was killed by SIGKILL; restarting in 0.5 s (restart 1)']);
    await running().stop();
    stack = undefined;
    expect(await allFree(ports)).toBe(true);
    await delay(1_500);
    expect(await allFree(ports)).toBe(true);
    expect(notices).toHaveLength(1);
    expect(pids.filter(isRunning)).toEqual([]);
  },
  TEST_TIMEOUT_MS,
);
