import { chartRows, renderMarkdown, renderSvg, type BenchResults } from '../src/report';

const latency = { count: 100, p50: 2, p90: 5, p99: 40, max: 120 };
const results: BenchResults = {
  date: '2026-11-30T05:30:00.000Z',
  node: 'v20.20.2',
  cores: 2,
  figures: [
    {
      name: 'listing → purchasable',
      goal: 'p99 < 50 ms',
      verdict: 'miss',
      values: { 'p99 ms': 62.345678, purchasable: 1000 },
      latencies: { 'listing <first>': latency },
      note: 'orders learns of a ticket through the bus',
    },
    { name: 'warm start', goal: 'reported', verdict: 'reported', values: { seconds: 4.5 } },
  ],
};

describe('renderMarkdown', () => {
  const markdown = renderMarkdown(results, 'latency.svg');

  it('has one row per figure with its goal, verdict and values (four significant digits)', () => {
    expect(markdown).toContain('| listing → purchasable | p99 < 50 ms | **miss** | p99 ms: 62.35; purchasable: 1000 |');
    expect(markdown).toContain('| warm start | reported | reported | seconds: 4.5 |');
  });

  it('names the machine, lists the notes and links the chart', () => {
    expect(markdown).toContain('Node v20.20.2, 2 cores');
    expect(markdown).toContain('- listing → purchasable (miss): orders learns of a ticket through the bus');
    expect(markdown).toContain('![latency percentiles](latency.svg)');
  });
});

describe('renderSvg', () => {
  const svg = renderSvg(chartRows(results.figures));

  it('draws one labelled row per distribution, its label escaped, with a mark per percentile', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('>listing → purchasable: listing &lt;first&gt;</text>');
    expect(svg.match(/<circle cx="[\d.]+" cy="22"/g)).toHaveLength(4);
    expect(svg).toContain('<title>p99 40 ms</title>');
  });

  it('spans whole decades around the values, on a logarithmic scale', () => {
    expect(svg).toContain('>1 ms</text>');
    expect(svg).toContain('>1000 ms</text>');
    expect(svg).not.toContain('>10000 ms</text>');
  });
});
