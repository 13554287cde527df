/** Pure helpers of the harness: percentiles, Prometheus text and verdicts (tested in test/stats.test.ts). */

/** Latency percentiles in milliseconds. */
export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The value below which a fraction `q` (0..1) of the samples fall: nearest rank on the sorted samples. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function summarize(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1],
  };
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/**
 * The sum of every sample of `metric` in a Prometheus text exposition whose labels include
 * `labels` (e.g. `{ le: '0.5' }`); undefined when there is none.
 */
export function metricSum(text: string, metric: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== metric) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([name, value]) => found[name] === value)) total = (total ?? 0) + Number(match[3]);
  }
  return total;
}

/** Cumulative bucket counts of a histogram, `le` bound (Infinity for +Inf) to count. */
export function histogramBuckets(text: string, metric: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const match of text.matchAll(new RegExp(`^${metric}_bucket\\{[^}]*le="([^"]+)"[^}]*\\}\\s+(\\S+)`, 'gm'))) {
    const bound = match[1] === '+Inf' ? Infinity : Number(match[1]);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(match[2]));
  }
  return buckets;
}

/**
 * The upper bound of the bucket holding quantile `q` of the observations made between two
 * scrapes (`before`, `after` from histogramBuckets): the p99 is at most this. Undefined if none.
 */
export function histogramQuantileBound(
  before: Map<number, number>,
  after: Map<number, number>,
  q: number,
): number | undefined {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return undefined;
  return bounds.find((bound) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0) >= q * total);
}

export type Verdict = 'pass' | 'miss' | 'reported';

/** `pass` when every check holds, `miss` otherwise; `reported` when the figure has no goal. */
export function verdictOf(checks: readonly boolean[]): Verdict {
  if (checks.length === 0) return 'reported';
  return checks.every(Boolean) ? 'pass' : 'miss';
}
