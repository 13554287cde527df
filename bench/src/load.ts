/**
 * The load of the figures that are not one URL hammered (those are autocannon's): run by the
 * harness in its own process (see runScript), never in the process that hosts the stack's
 * database engine. Usage: load.ts <input.json: { kind, ... }>; prints one JSON line of results.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { AckPolicy, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pLimit from 'p-limit';
import { Agent, request as undiciRequest } from 'undici';
// The file alone, not the package: the package's entry loads the whole service kit.
import { backoffDelay } from '../../common/src/kit/backoff';

export type LoadInput =
  | { kind: 'orders'; url: string; buyers: { cookie: string; ticketId: string }[]; concurrency: number }
  | { kind: 'listing'; url: string; sellerCookie: string; buyerCookie: string; count: number; perSecond: number }
  | { kind: 'bus'; natsUrl: string; count: number; perSecond: number }
  | { kind: 'auth'; url: string; count: number; concurrency: number };

/** Latencies in ms, answers by status, and how long the whole load took. */
export interface LoadOutput {
  samples: number[];
  statuses: Record<string, number>;
  durationMs: number;
  /** Per phase, for loads with more than one (auth: signup, signin). */
  phases?: Record<string, LoadOutput>;
}

/**
 * undici's own request rather than fetch: on this machine fetch took 330-560 µs of the load's CPU per
 * request and undici's request 64-130 µs, CPU the services under measurement share. The agent keeps
 * connections alive; the loads bound how many requests are in flight.
 */
const agent = new Agent({ keepAliveTimeout: 30_000 });

async function request(url: string, body: unknown, cookie?: string): Promise<{ status: number; body: unknown }> {
  const response = await undiciRequest(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
    dispatcher: agent,
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: text ? JSON.parse(text) : {} };
}

/** Runs `work` on every item with at most `concurrency` in flight. */
async function inParallel<T>(
  items: T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Each item's request timed, `concurrency` at a time. */
async function timedRequests<T>(
  items: T[],
  concurrency: number,
  send: (item: T) => Promise<number>,
): Promise<LoadOutput> {
  const samples: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  await inParallel(items, concurrency, async (item) => {
    const t0 = performance.now();
    let status: number;
    try {
      status = await send(item);
    } catch {
      status = 0;
    }
    samples.push(performance.now() - t0);
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  return { samples, statuses, durationMs: performance.now() - started };
}

/** Flash sale: every buyer orders its ticket once. */
function orders(input: Extract<LoadInput, { kind: 'orders' }>): Promise<LoadOutput> {
  return timedRequests(input.buyers, input.concurrency, async (buyer) => {
    const answer = await request(`${input.url}/api/orders`, { ticketId: buyer.ticketId }, buyer.cookie);
    return answer.status;
  });
}

/**
 * Buyers ask for a listing not yet purchasable again after 2 ms, then 4, 8 and every 16 ms, and at
 * most 8 of their requests are in flight at once (the rest queue): the measuring must not be the
 * load. Asking every 2 ms whatever happens (as this load once did) turns an event path that lags
 * into hundreds of buyers asking thousands of times a second; the 404s then take the cores the
 * event path needs and the figure measures the overload instead of the path. The price: a
 * listing's figure is late by up to one pause, and by the queue when many listings wait at once.
 */
const RETRY_FIRST_MS = 2;
const RETRY_MAX_MS = 16;
const ORDER_ATTEMPTS_IN_FLIGHT = 8;

/**
 * Listing → purchasable: a listing every 1/perSecond s; from its 201 on, the buyer orders it
 * again (404 until orders has learnt of it, see RETRY_FIRST_MS) until a 201: the time between the two 201s.
 */
async function listing(input: Extract<LoadInput, { kind: 'listing' }>): Promise<LoadOutput> {
  const samples: number[] = [];
  const statuses: Record<string, number> = {};
  const count = (status: number) => (statuses[status] = (statuses[status] ?? 0) + 1);
  const started = performance.now();
  const attemptSlot = pLimit(ORDER_ATTEMPTS_IN_FLIGHT);
  const one = async (index: number) => {
    const listed = await request(
      `${input.url}/api/tickets`,
      { title: `Listing ${index}`, price: 10 },
      input.sellerCookie,
    );
    if (listed.status !== 201) return void count(listed.status);
    const listedAt = performance.now();
    const ticketId = (listed.body as { id: string }).id;
    for (let attempt = 1; ; attempt++) {
      const ordered = await attemptSlot(() => request(`${input.url}/api/orders`, { ticketId }, input.buyerCookie));
      if (ordered.status === 201) break;
      if (ordered.status !== 404 || performance.now() - listedAt > 30_000) return void count(ordered.status);
      await delay(backoffDelay(attempt, RETRY_FIRST_MS, RETRY_MAX_MS));
    }
    samples.push(performance.now() - listedAt);
    count(201);
  };
  const pending: Promise<void>[] = [];
  for (let index = 0; index < input.count; index++) {
    const due = started + (index * 1000) / input.perSecond;
    const wait = due - performance.now();
    if (wait > 0) await delay(wait);
    pending.push(one(index));
  }
  await Promise.all(pending);
  return { samples, statuses, durationMs: performance.now() - started };
}

/** The raw bus: publish on a JetStream stream of its own, consumed by a durable consumer; publish start to receipt. */
async function bus(input: Extract<LoadInput, { kind: 'bus' }>): Promise<LoadOutput> {
  const connection = await connect({ servers: input.natsUrl });
  const jsm = await jetstreamManager(connection);
  const stream = 'BENCH_RAW';
  await jsm.streams.add({ name: stream, subjects: ['bench.raw'], storage: StorageType.File });
  await jsm.consumers.add(stream, { durable_name: 'bench', ack_policy: AckPolicy.Explicit });
  const js = jetstream(connection);
  const messages = await (await js.consumers.get(stream, 'bench')).consume({ max_messages: 1 });
  const sentAt = new Map<number, number>();
  const samples: number[] = [];
  const started = performance.now();
  const received = (async () => {
    for await (const message of messages) {
      samples.push(performance.now() - sentAt.get(Number(message.string()))!);
      message.ack();
      if (samples.length === input.count) break;
    }
  })();
  for (let index = 0; index < input.count; index++) {
    const wait = started + (index * 1000) / input.perSecond - performance.now();
    if (wait > 0) await delay(wait);
    sentAt.set(index, performance.now());
    await js.publish('bench.raw', String(index));
  }
  await received;
  const durationMs = performance.now() - started;
  await jsm.streams.delete(stream);
  await connection.close();
  return { samples, statuses: { ok: samples.length }, durationMs };
}

/** Sign-ups of `count` new accounts, then a sign-in to each, `concurrency` at a time. */
async function auth(input: Extract<LoadInput, { kind: 'auth' }>): Promise<LoadOutput> {
  const run = `${process.pid}-${Date.now()}`;
  const emails = Array.from({ length: input.count }, (_, index) => `user${index}-${run}@bench.test`);
  const password = 'correct horse battery staple';
  const post = (path: string) => async (email: string) =>
    (await request(`${input.url}${path}`, { email, password })).status;
  const signup = await timedRequests(emails, input.concurrency, post('/api/users/signup'));
  const signin = await timedRequests(emails, input.concurrency, post('/api/users/signin'));
  return { samples: [], statuses: {}, durationMs: signup.durationMs + signin.durationMs, phases: { signup, signin } };
}

async function main(): Promise<void> {
  const input = JSON.parse(readFileSync(process.argv[2], 'utf8')) as LoadInput;
  const output =
    input.kind === 'orders'
      ? await orders(input)
      : input.kind === 'listing'
        ? await listing(input)
        : input.kind === 'bus'
          ? await bus(input)
          : await auth(input);
  await agent.close();
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
