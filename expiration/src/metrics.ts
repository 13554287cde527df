/** The queue states reported on /metrics. */
export const QUEUE_STATES = ['waiting', 'delayed', 'active', 'completed', 'failed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];
export type QueueCounts = Record<QueueState, number>;

/** Counters of this replica since it started (Prometheus adds them up across replicas). */
export class ExpirationMetrics {
  jobsFired = 0;
  publishFailures = 0;
}

/** Prometheus text exposition format, version 0.0.4. */
export function renderMetrics(counts: QueueCounts, metrics: ExpirationMetrics): string {
  const lines = [
    '# HELP expiration_queue_jobs Jobs in the expiration queue by state (all replicas share the queue).',
    '# TYPE expiration_queue_jobs gauge',
    ...QUEUE_STATES.map((state) => `expiration_queue_jobs{state="${state}"} ${counts[state]}`),
    '# HELP expiration_jobs_fired_total Orders expired: expiration.complete published by this replica.',
    '# TYPE expiration_jobs_fired_total counter',
    `expiration_jobs_fired_total ${metrics.jobsFired}`,
    '# HELP expiration_publish_failures_total Publishes of expiration.complete that failed and will be retried.',
    '# TYPE expiration_publish_failures_total counter',
    `expiration_publish_failures_total ${metrics.publishFailures}`,
  ];
  return `${lines.join('\n')}\n`;
}
