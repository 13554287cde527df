import type { Percentiles, Verdict } from './stats';

/** One figure of the issue's table, as measured in this run. */
export interface Figure {
  name: string;
  goal: string;
  verdict: Verdict;
  /** What was measured, by name (numbers in the unit the name says). */
  values: Record<string, number | string | boolean>;
  /** Latency distributions to draw, by label (ms). */
  latencies?: Record<string, Percentiles>;
  /** For a miss: what limits it; otherwise anything worth knowing. */
  note?: string;
}

export interface BenchResults {
  date: string;
  node: string;
  cores: number;
  figures: Figure[];
}

const fmt = (value: number | string | boolean): string =>
  typeof value === 'number' ? String(Number.isInteger(value) ? value : Number(value.toPrecision(4))) : String(value);

export function renderMarkdown(results: BenchResults, chartFile: string): string {
  const lines = [
    `# Benchmarks, ${results.date}`,
    '',
    `Node ${results.node}, ${results.cores} cores. Every ratio compares figures measured in this one run.`,
    '',
    '| figure | goal | verdict | measured |',
    '| --- | --- | --- | --- |',
    ...results.figures.map(
      (figure) =>
        `| ${figure.name} | ${figure.goal} | ${figure.verdict === 'miss' ? '**miss**' : figure.verdict} | ${Object.entries(
          figure.values,
        )
          .map(([name, value]) => `${name}: ${fmt(value)}`)
          .join('; ')} |`,
    ),
    '',
  ];
  const notes = results.figures.filter((figure) => figure.note);
  if (notes.length > 0) {
    lines.push('## Notes', '', ...notes.map((figure) => `- ${figure.name} (${figure.verdict}): ${figure.note}`), '');
  }
  lines.push('## Latency distributions', '', `![latency percentiles](${chartFile})`, '');
  return lines.join('\n');
}

const ROW = 22;
const LABEL_WIDTH = 330;
const PLOT_WIDTH = 520;
const MARKS: { key: keyof Percentiles; colour: string }[] = [
  { key: 'p50', colour: '#1f77b4' },
  { key: 'p90', colour: '#2ca02c' },
  { key: 'p99', colour: '#d62728' },
  { key: 'max', colour: '#7f7f7f' },
];

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A horizontal chart of latency percentiles, one row per distribution, on a logarithmic scale of
 * milliseconds: a bar from p50 to p99 with a mark at p50, p90, p99 and max.
 */
export function renderSvg(rows: { label: string; latency: Percentiles }[]): string {
  const values = rows.flatMap((row) => MARKS.map((mark) => row.latency[mark.key])).filter((v) => v > 0);
  const low = Math.pow(10, Math.floor(Math.log10(Math.min(...values, 1))));
  const high = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 10))));
  const x = (ms: number) =>
    LABEL_WIDTH + (PLOT_WIDTH * (Math.log10(Math.max(ms, low)) - Math.log10(low))) / Math.log10(high / low);
  const height = (rows.length + 3) * ROW;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${LABEL_WIDTH + PLOT_WIDTH + 20}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  for (let decade = low; decade <= high; decade *= 10) {
    parts.push(
      `<line x1="${x(decade)}" y1="${ROW / 2}" x2="${x(decade)}" y2="${height - 2 * ROW}" stroke="#ddd"/>`,
      `<text x="${x(decade)}" y="${height - 1.3 * ROW}" text-anchor="middle">${fmt(decade)} ms</text>`,
    );
  }
  rows.forEach((row, index) => {
    const y = (index + 1) * ROW;
    const { p50, p99 } = row.latency;
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + 4}" text-anchor="end">${escapeXml(row.label)}</text>`,
      `<rect x="${x(p50)}" y="${y - 4}" width="${Math.max(1, x(p99) - x(p50))}" height="8" fill="#c6dbef"/>`,
      ...MARKS.map(
        (mark) =>
          `<circle cx="${x(row.latency[mark.key])}" cy="${y}" r="3.5" fill="${mark.colour}"><title>${mark.key} ${fmt(row.latency[mark.key])} ms</title></circle>`,
      ),
    );
  });
  MARKS.forEach((mark, index) => {
    const legendX = LABEL_WIDTH + index * 80;
    parts.push(
      `<circle cx="${legendX}" cy="${height - 0.5 * ROW}" r="3.5" fill="${mark.colour}"/>`,
      `<text x="${legendX + 8}" y="${height - 0.5 * ROW + 4}">${mark.key}</text>`,
    );
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}

/** Every latency distribution of the figures, labelled `figure: label`, for renderSvg. */
export function chartRows(figures: Figure[]): { label: string; latency: Percentiles }[] {
  return figures.flatMap((figure) =>
    Object.entries(figure.latencies ?? {}).map(([label, latency]) => ({ label: `${figure.name}: ${label}`, latency })),
  );
}
