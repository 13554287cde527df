import { describeCpu, measureCpu } from '../cpu';
import { runScript } from '../processes';
import type { LoadOutput } from '../load';
import type { Figure } from '../report';
import { summarize, verdictOf } from '../stats';
import type { BenchSystem } from '../system';

const LISTINGS = 1_000;
const PER_SECOND = 50;
const P99_GOAL_MS = 50;
const BUS_RATIO_GOAL = 10;
const LIGHT_LISTINGS = 200;
const LIGHT_PER_SECOND = 10;

/**
 * Listing → purchasable: from a listing's `POST /api/tickets` 201 to the first `POST /api/orders`
 * 201 for it (the buyer asks again after 2 ms, doubling to 16 ms, while orders answers 404; at most 8 asks in flight), 1,000 listings at 50/s
 * through the gateway; beside it the raw bus, publish to consume on a JetStream stream of its own
 * at the same rate on the same NATS server. First 200 listings at 10/s, reported beside it: the path
 * below the machine's capacity (at 50/s, each with its order, two cores are saturated).
 */
export async function listingFigure(system: BenchSystem): Promise<Figure> {
  const bus = await runScript<LoadOutput>('load.ts', {
    kind: 'bus',
    natsUrl: system.stack.infrastructure.nats,
    count: LISTINGS,
    perSecond: PER_SECOND,
  });
  const listings = async (count: number, perSecond: number) =>
    runScript<LoadOutput>('load.ts', {
      kind: 'listing',
      url: system.stack.url,
      sellerCookie: await system.signedInUser(),
      buyerCookie: await system.signedInUser(),
      count,
      perSecond,
    });
  // Below the machine's capacity: what the path takes when it is not queueing behind the load.
  const light = await listings(LIGHT_LISTINGS, LIGHT_PER_SECOND);
  const { result: load, cpu } = await measureCpu(system, () => listings(LISTINGS, PER_SECOND));
  const latency = summarize(load.samples);
  const lightLatency = summarize(light.samples);
  const raw = summarize(bus.samples);
  const purchasable = load.statuses['201'] ?? 0;
  return {
    name: 'listing → purchasable',
    goal: `p99 < ${P99_GOAL_MS} ms and < ${BUS_RATIO_GOAL}× the raw bus p99`,
    verdict: verdictOf([latency.p99 < P99_GOAL_MS, latency.p99 < BUS_RATIO_GOAL * raw.p99, purchasable === LISTINGS]),
    values: {
      'p50 ms': latency.p50,
      'p99 ms': latency.p99,
      'raw bus p50 ms': raw.p50,
      'raw bus p99 ms': raw.p99,
      'p99 / raw bus p99': latency.p99 / raw.p99,
      'purchasable of 1,000': purchasable,
      'answers by status': JSON.stringify(load.statuses),
      [`at ${LIGHT_PER_SECOND}/s (${LIGHT_LISTINGS} listings): p50 ms`]: lightLatency.p50,
      [`at ${LIGHT_PER_SECOND}/s: p99 ms`]: lightLatency.p99,
      [`at ${LIGHT_PER_SECOND}/s: purchasable`]: light.statuses['201'] ?? 0,
    },
    latencies: {
      'listing → purchasable': latency,
      [`listing → purchasable at ${LIGHT_PER_SECOND}/s`]: lightLatency,
      'raw JetStream publish → consume': raw,
    },
    note: cpu && `CPU at ${PER_SECOND} listings/s: ${describeCpu(cpu)}`,
  };
}
