import { ObjectId } from 'mongodb';
import { runScript } from '../processes';
import type { LoadOutput } from '../load';
import type { Figure } from '../report';
import { histogramBuckets, histogramQuantileBound, summarize, verdictOf } from '../stats';
import type { BenchSystem } from '../system';
import { listAndPropagate } from './flash-sale';

export const EXPIRY_WINDOW_SECONDS = 5;
const ORDERS = 200;
const LATENESS_P99_GOAL_MS = 1_000;
const POLL_MS = 50;

async function latenessHistogram(system: BenchSystem): Promise<Map<number, number>> {
  const text = await (await fetch(`${system.serviceUrl('expiration')}/metrics`)).text();
  return histogramBuckets(text, 'expiration_lateness_seconds');
}

/**
 * Expiry accuracy: 200 orders with a 5 s window (the stack's EXPIRATION_WINDOW_SECONDS), left
 * unpaid. Lateness of each order = when the harness first sees it cancelled in orders' database
 * (polled every 50 ms) minus its expiresAt: end to end, expiration's job, its event and orders'
 * cancellation. Beside it the bound expiration's own histogram (expiration_lateness_seconds, publish
 * time minus expiresAt) gives its p99.
 */
export async function expiryFigure(system: BenchSystem): Promise<Figure> {
  const ticketIds = await listAndPropagate(system, await system.signedInUser(), ORDERS);
  const before = await latenessHistogram(system);
  const load = await runScript<LoadOutput>('load.ts', {
    kind: 'orders',
    url: system.stack.url,
    buyers: (await system.signedInUsers(ORDERS)).map((cookie, index) => ({ cookie, ticketId: ticketIds[index] })),
    concurrency: 20,
  });
  if (load.statuses['201'] !== ORDERS) throw new Error(`ordering answered ${JSON.stringify(load.statuses)}`);
  const orders = system.db('orders').collection<{ _id: ObjectId; status: string; expiresAt: Date }>('orders');
  const tickets = ticketIds.map((id) => new ObjectId(id));
  const lateness = new Map<string, number>();
  const deadline = Date.now() + (EXPIRY_WINDOW_SECONDS + 60) * 1000;
  while (lateness.size < ORDERS && Date.now() < deadline) {
    const cancelled = await orders.find({ ticket: { $in: tickets }, status: 'cancelled' }).toArray();
    const seenAt = Date.now();
    for (const order of cancelled) {
      if (!lateness.has(order._id.toHexString()))
        lateness.set(order._id.toHexString(), seenAt - order.expiresAt.getTime());
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const latency = summarize([...lateness.values()].map((ms) => Math.max(0, ms)));
  const histogramP99 = histogramQuantileBound(before, await latenessHistogram(system), 0.99);
  return {
    name: 'expiry accuracy',
    goal: `lateness p99 < ${LATENESS_P99_GOAL_MS} ms`,
    verdict: verdictOf([lateness.size === ORDERS, latency.p99 < LATENESS_P99_GOAL_MS]),
    values: {
      'orders expired': lateness.size,
      'lateness p50 ms': latency.p50,
      'lateness p99 ms': latency.p99,
      'expiration histogram p99 ≤ s': histogramP99 ?? 'no observations',
      'poll interval ms': POLL_MS,
    },
    latencies: { 'order cancelled after expiresAt': latency },
  };
}
