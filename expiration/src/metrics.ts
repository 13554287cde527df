import { Counter, Gauge, Histogram, type Registry } from '@ticketing/common';

/** The queue states reported on /metrics. */
export const QUEUE_STATES = ['waiting', 'delayed', 'active', 'completed', 'failed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];
export type QueueCounts = Record<QueueState, number>;

export const LATENESS_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

// Redis commands wait through reconnects; a scrape must not hang on them.
const QUEUE_COUNTS_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The expiration service's own metrics, on the service's registry (see ServiceMetrics): the
 * queue's jobs by state, read from Redis when scraped (left out of a scrape Redis does not answer
 * in time), and this replica's counters since it started (Prometheus adds them up across replicas).
 */
export class ExpirationMetrics {
  readonly jobsFired: Counter;
  readonly publishFailures: Counter;
  readonly lateness: Histogram;

  constructor(registry: Registry, queueCounts: () => Promise<QueueCounts>) {
    const registers = [registry];
    new Gauge({
      name: 'expiration_queue_jobs',
      help: 'Jobs in the expiration queue by state (all replicas share the queue).',
      labelNames: ['state'],
      registers,
      async collect() {
        const counts = await withTimeout(
          queueCounts().catch(() => undefined),
          QUEUE_COUNTS_TIMEOUT_MS,
        );
        this.reset();
        if (counts) for (const state of QUEUE_STATES) this.set({ state }, counts[state]);
      },
    });
    this.jobsFired = new Counter({
      name: 'expiration_jobs_fired_total',
      help: 'Orders expired: expiration.complete published by this replica.',
      registers,
    });
    this.publishFailures = new Counter({
      name: 'expiration_publish_failures_total',
      help: 'Publishes of expiration.complete that failed and will be retried.',
      registers,
    });
    this.lateness = new Histogram({
      name: 'expiration_lateness_seconds',
      help: "How long after the order's expiresAt expiration.complete was published, in seconds.",
      buckets: LATENESS_BUCKETS,
      registers,
    });
  }

  /** An expiration.complete published for an order that expired at `expiresAt`. */
  fired(expiresAt: Date, publishedAt = new Date()): void {
    this.jobsFired.inc();
    this.lateness.observe(Math.max(0, (publishedAt.getTime() - expiresAt.getTime()) / 1000));
  }

  publishFailed(): void {
    this.publishFailures.inc();
  }
}
