// The metrics the services export (the observability issue's contract, README "Operations"): what
// the Grafana dashboard and the alert rules in infra/k8s/components/monitoring may use. The
// monitoring test checks every name and label they use against this list, and this list against
// what the services' /metrics really serve.

import { SERVICE_NAMES } from '../local/stack/src/services';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDefinition {
  type: MetricType;
  /** Its own labels, besides `service` (on every series) and a histogram bucket's `le`. */
  labels: string[];
  /** The values a label takes, where they are a fixed set. */
  values?: Record<string, string[]>;
  /**
   * The services that export it. When absent, at least one does: a service shows an event's or a
   * consumer's series only once it has published, consumed or listened (auth does none of these).
   */
  services?: readonly string[];
}

/** On every series: the name given to runService (auth, tickets, orders, payments, expiration, notifications). */
export const COMMON_LABELS = ['service'];

/** Labels Prometheus adds to every series it scrapes (the target's). */
export const TARGET_LABELS = ['instance', 'job', 'namespace', 'pod', 'container', 'endpoint'];

const EVERY_SERVICE: readonly string[] = SERVICE_NAMES;

export const METRICS: Record<string, MetricDefinition> = {
  http_request_duration_seconds: {
    type: 'histogram',
    labels: ['method', 'route', 'status_code'],
    services: EVERY_SERVICE,
  },
  events_published_total: {
    type: 'counter',
    labels: ['subject', 'outcome'],
    values: { outcome: ['published', 'failed'] },
  },
  events_consumed_total: {
    type: 'counter',
    labels: ['subject', 'outcome'],
    values: { outcome: ['acked', 'too_early', 'retried', 'dead_lettered'] },
  },
  event_handler_duration_seconds: { type: 'histogram', labels: ['subject'] },
  outbox_pending_records: { type: 'gauge', labels: [] },
  outbox_oldest_pending_age_seconds: { type: 'gauge', labels: [] },
  jetstream_consumer_pending_messages: { type: 'gauge', labels: ['consumer'] },
  jetstream_consumer_ack_pending_messages: { type: 'gauge', labels: ['consumer'] },
  jetstream_consumer_redelivered_messages: { type: 'gauge', labels: ['consumer'] },
  expiration_queue_jobs: {
    type: 'gauge',
    labels: ['state'],
    values: { state: ['waiting', 'delayed', 'active', 'completed', 'failed'] },
    services: ['expiration'],
  },
  expiration_jobs_fired_total: { type: 'counter', labels: [], services: ['expiration'] },
  expiration_publish_failures_total: { type: 'counter', labels: [], services: ['expiration'] },
  expiration_lateness_seconds: { type: 'histogram', labels: [], services: ['expiration'] },
  payment_attempts_total: {
    type: 'counter',
    labels: ['outcome'],
    values: { outcome: ['succeeded', 'declined', 'requires_action', 'failed'] },
    services: ['payments'],
  },
  payment_refunds_total: { type: 'counter', labels: [], services: ['payments'] },
  emails_sent_total: {
    type: 'counter',
    labels: ['kind', 'result'],
    values: {
      kind: ['receipt', 'ticket-sold', 'reservation-expired', 'refund', 'welcome'],
      result: ['sent', 'failed', 'skipped'],
    },
    services: ['notifications'],
  },
  emails_pending: { type: 'gauge', labels: [], services: ['notifications'] },
  emails_oldest_pending_age_seconds: { type: 'gauge', labels: [], services: ['notifications'] },
  email_send_attempts_total: {
    type: 'counter',
    labels: ['result'],
    values: { result: ['ok', 'retry', 'permanent'] },
    services: ['notifications'],
  },
  // prom-client's default Node process metrics (those the dashboard uses).
  process_cpu_seconds_total: { type: 'counter', labels: [], services: EVERY_SERVICE },
  process_resident_memory_bytes: { type: 'gauge', labels: [], services: EVERY_SERVICE },
  nodejs_eventloop_lag_seconds: { type: 'gauge', labels: [], services: EVERY_SERVICE },
  nodejs_heap_size_used_bytes: { type: 'gauge', labels: [], services: EVERY_SERVICE },
};

export const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

/** A series name as Prometheus stores it (a histogram's three), with the metric it belongs to. */
export interface SeriesName {
  metric: string;
  /** The labels a selector on this series may name. */
  labels: string[];
}

/** Every series name the services export: the metrics, each histogram as its _bucket, _sum and _count. */
export const SERIES_NAMES: ReadonlyMap<string, SeriesName> = new Map(
  Object.entries(METRICS).flatMap(([metric, definition]) => {
    const labels = [...COMMON_LABELS, ...TARGET_LABELS, ...definition.labels];
    if (definition.type !== 'histogram') return [[metric, { metric, labels }]];
    return HISTOGRAM_SUFFIXES.map((suffix) => [
      `${metric}${suffix}`,
      { metric, labels: suffix === '_bucket' ? [...labels, 'le'] : labels },
    ]);
  }),
);
