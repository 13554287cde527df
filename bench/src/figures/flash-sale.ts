import { ObjectId } from 'mongodb';
import { runScript } from '../processes';
import type { LoadOutput } from '../load';
import type { Figure } from '../report';
import { summarize, verdictOf } from '../stats';
import type { BenchSystem } from '../system';

const BUYERS = 1_000;
const TICKETS = 100;
const CONCURRENCY = 200;
const P99_GOAL_MS = 1_000;
const THROUGHPUT_GOAL = 400;

/** Lists `count` tickets through the gateway and waits until orders knows every one (an event away). */
export async function listAndPropagate(system: BenchSystem, sellerCookie: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const response = await fetch(`${system.stack.url}/api/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: sellerCookie },
      body: JSON.stringify({ title: `Flash ${index}`, price: 20 }),
    });
    if (response.status !== 201) throw new Error(`listing a ticket answered ${response.status}`);
    ids.push(((await response.json()) as { id: string }).id);
  }
  const copies = system.db('orders').collection('tickets');
  const deadline = Date.now() + 60_000;
  while ((await copies.countDocuments({ _id: { $in: ids.map((id) => new ObjectId(id)) } })) < count) {
    if (Date.now() > deadline) throw new Error('orders did not learn of the listed tickets within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return ids;
}

/**
 * Flash sale: 1,000 buyers (signed in) order 100 tickets (buyer i wants ticket i mod 100), 200
 * requests in flight, through the gateway in front of two replicas of every service. Double sells
 * are counted from orders' database (more than one live order for a ticket) and from the answers
 * (more than one 201 for a ticket).
 */
export async function flashSaleFigure(system: BenchSystem): Promise<Figure> {
  const ticketIds = await listAndPropagate(system, await system.signedInUser(), TICKETS);
  const buyers = (await system.signedInUsers(BUYERS)).map((cookie, index) => ({
    cookie,
    ticketId: ticketIds[index % TICKETS],
  }));
  const load = await runScript<LoadOutput>('load.ts', {
    kind: 'orders',
    url: system.stack.url,
    buyers,
    concurrency: CONCURRENCY,
  });
  const live = await system
    .db('orders')
    .collection('orders')
    .aggregate<{ count: number }>([
      { $match: { status: { $ne: 'cancelled' } } },
      { $group: { _id: '$ticket', count: { $sum: 1 } } },
      { $match: { count: { $gt: 1 } } },
    ])
    .toArray();
  const created = load.statuses['201'] ?? 0;
  const latency = summarize(load.samples);
  const perSecond = (load.samples.length * 1000) / load.durationMs;
  const doubleSells = live.length + Math.max(0, created - TICKETS);
  const serverErrors = Object.entries(load.statuses)
    .filter(([status]) => Number(status) >= 500 || status === '0')
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    name: 'flash sale (2 replicas)',
    goal: `p99 < ${P99_GOAL_MS} ms, ≥ ${THROUGHPUT_GOAL} orders/s, zero double sells`,
    verdict: verdictOf([latency.p99 < P99_GOAL_MS, perSecond >= THROUGHPUT_GOAL, doubleSells === 0]),
    values: {
      'order requests/s': perSecond,
      'p50 ms': latency.p50,
      'p99 ms': latency.p99,
      'orders created (201)': created,
      'double sells': doubleSells,
      'answers by status': JSON.stringify(load.statuses),
      '5xx or no answer': serverErrors,
    },
    latencies: { 'POST /api/orders': latency },
  };
}
