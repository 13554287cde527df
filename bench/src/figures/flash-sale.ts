import { ObjectId } from 'mongodb';
import { describeCpu, measureCpu } from '../cpu';
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

/** One sale: `buyerCount` new buyers, buyer i ordering ticket i mod the tickets' count. */
async function sale(system: BenchSystem, ticketIds: string[], buyerCount: number): Promise<LoadOutput> {
  const buyers = (await system.signedInUsers(buyerCount)).map((cookie, index) => ({
    cookie,
    ticketId: ticketIds[index % ticketIds.length],
  }));
  return runScript<LoadOutput>('load.ts', { kind: 'orders', url: system.stack.url, buyers, concurrency: CONCURRENCY });
}

const perSecond = (load: LoadOutput) => (load.samples.length * 1000) / load.durationMs;

/**
 * Flash sale: 1,000 buyers (signed in) order 100 tickets (buyer i wants ticket i mod 100), 200
 * requests in flight, through the gateway in front of two replicas of every service. It runs
 * twice, on different tickets: the first sale meets services that have just started (their code
 * not yet optimized by V8: a refused order then cost orders 2.5-3 ms of CPU, warm 1.4-1.7 ms), the
 * second meets them warm, as a marketplace that has been running is. Each sale starts once the
 * events before it have all been handled. The goal is judged on the warm sale; the cold one is
 * reported beside it. Double sells are counted over both sales from orders' database (more than
 * one live order for a ticket) and from the answers (more than one 201 for a ticket).
 */
export async function flashSaleFigure(system: BenchSystem): Promise<Figure> {
  const listed = await listAndPropagate(system, await system.signedInUser(), 2 * TICKETS);
  await system.eventsSettled();
  const cold = await sale(system, listed.slice(0, TICKETS), BUYERS);
  await system.eventsSettled();
  const { result: warm, cpu } = await measureCpu(system, () => sale(system, listed.slice(TICKETS), BUYERS));
  const live = await system
    .db('orders')
    .collection('orders')
    .aggregate<{ count: number }>([
      { $match: { status: { $ne: 'cancelled' } } },
      { $group: { _id: '$ticket', count: { $sum: 1 } } },
      { $match: { count: { $gt: 1 } } },
    ])
    .toArray();
  const created = (load: LoadOutput) => load.statuses['201'] ?? 0;
  const doubleSells = live.length + Math.max(0, created(cold) - TICKETS) + Math.max(0, created(warm) - TICKETS);
  const serverErrors = [cold, warm]
    .flatMap((load) => Object.entries(load.statuses))
    .filter(([status]) => Number(status) >= 500 || status === '0')
    .reduce((sum, [, count]) => sum + count, 0);
  const latency = summarize(warm.samples);
  const coldLatency = summarize(cold.samples);
  return {
    name: 'flash sale (2 replicas)',
    goal: `p99 < ${P99_GOAL_MS} ms, ≥ ${THROUGHPUT_GOAL} orders/s, zero double sells`,
    verdict: verdictOf([latency.p99 < P99_GOAL_MS, perSecond(warm) >= THROUGHPUT_GOAL, doubleSells === 0]),
    values: {
      'order requests/s': perSecond(warm),
      'p50 ms': latency.p50,
      'p99 ms': latency.p99,
      'orders created (201)': created(warm),
      'first sale (cold services): order requests/s': perSecond(cold),
      'first sale: p99 ms': coldLatency.p99,
      'double sells (both sales)': doubleSells,
      'answers by status': JSON.stringify(warm.statuses),
      '5xx or no answer (both sales)': serverErrors,
    },
    latencies: { 'POST /api/orders': latency, 'POST /api/orders, first sale': coldLatency },
    note: cpu && `CPU during the warm sale: ${describeCpu(cpu)}`,
  };
}
