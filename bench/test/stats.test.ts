import {
  histogramBuckets,
  histogramQuantileBound,
  median,
  metricSum,
  percentile,
  summarize,
  verdictOf,
} from '../src/stats';

describe('percentile', () => {
  it('takes the nearest rank of the sorted samples', () => {
    const sorted = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(percentile(sorted, 0.5)).toBe(50);
    expect(percentile(sorted, 0.99)).toBe(99);
    expect(percentile(sorted, 1)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
  });

  it('refuses no samples', () => {
    expect(() => percentile([], 0.5)).toThrow('no samples');
  });
});

describe('summarize', () => {
  it('sorts the samples first and reports count, percentiles and max', () => {
    const samples = [9, 1, 5, 3, 7, 2, 8, 4, 10, 6];
    expect(summarize(samples)).toEqual({ count: 10, p50: 5, p90: 9, p99: 10, max: 10 });
    expect(samples[0]).toBe(9);
  });

  it('gives the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2);
  });
});

const exposition = [
  '# HELP process_resident_memory_bytes Resident memory size in bytes.',
  'process_resident_memory_bytes 73400320',
  'expiration_lateness_seconds_bucket{le="0.1"} 10',
  'expiration_lateness_seconds_bucket{le="0.25"} 95',
  'expiration_lateness_seconds_bucket{le="0.5"} 99',
  'expiration_lateness_seconds_bucket{le="1"} 100',
  'expiration_lateness_seconds_bucket{le="+Inf"} 100',
  'http_requests_total{route="/a",status_code="200"} 3',
  'http_requests_total{route="/b",status_code="200"} 4',
  'http_requests_total{route="/b",status_code="500"} 1',
].join('\n');

describe('metricSum', () => {
  it('reads an unlabelled sample', () => {
    expect(metricSum(exposition, 'process_resident_memory_bytes')).toBe(73400320);
  });

  it('sums the samples whose labels match', () => {
    expect(metricSum(exposition, 'http_requests_total', { status_code: '200' })).toBe(7);
    expect(metricSum(exposition, 'http_requests_total')).toBe(8);
  });

  it('is undefined for a metric that is not there', () => {
    expect(metricSum(exposition, 'nothing_total')).toBeUndefined();
  });
});

describe('histogramQuantileBound', () => {
  it('gives the upper bound of the bucket holding the quantile of the observations made between two scrapes', () => {
    const after = histogramBuckets(exposition, 'expiration_lateness_seconds');
    expect(after.get(Infinity)).toBe(100);
    expect(histogramQuantileBound(new Map(), after, 0.99)).toBe(0.5);
    expect(histogramQuantileBound(new Map(), after, 0.5)).toBe(0.25);
    // Only the 5 observations since `before`: 4 up to 0.5 s, the 5th up to 1 s.
    const before = new Map([
      [0.1, 10],
      [0.25, 95],
      [0.5, 95],
      [1, 95],
      [Infinity, 95],
    ]);
    expect(histogramQuantileBound(before, after, 0.99)).toBe(1);
  });

  it('is undefined with no observation between the scrapes', () => {
    const after = histogramBuckets(exposition, 'expiration_lateness_seconds');
    expect(histogramQuantileBound(after, after, 0.99)).toBeUndefined();
  });
});

describe('verdictOf', () => {
  it('passes when every check holds, misses when one does not, reports when there is no goal', () => {
    expect(verdictOf([true, true])).toBe('pass');
    expect(verdictOf([true, false])).toBe('miss');
    expect(verdictOf([])).toBe('reported');
  });
});
