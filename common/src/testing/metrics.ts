/** One sample of a Prometheus text exposition: `name{label="value",…} value`. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a /metrics body (comments left out); throws on a line that is not one. */
export function parseMetrics(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL)) {
      labels[name] = value.replace(/\\"/g, '"').replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/**
 * The samples of metric `name` that carry every label of `labels` (and any others).
 */
export function metricSamples(text: string, name: string, labels: Record<string, string> = {}): MetricSample[] {
  return parseMetrics(text).filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([label, value]) => sample.labels[label] === value),
  );
}

/**
 * The sum of the samples of `name` carrying `labels` (e.g. a counter over all its subjects), or
 * undefined when there is no such sample: a series that was never exposed, unlike one at 0.
 */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const samples = metricSamples(text, name, labels);
  return samples.length === 0 ? undefined : samples.reduce((sum, sample) => sum + sample.value, 0);
}
