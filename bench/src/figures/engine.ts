import { run, workspaceEnv } from '../processes';
import type { Figure } from '../report';
import { verdictOf } from '../stats';

/** The number after `label` on a line of the engine bench's output. */
function numberAfter(output: string, label: RegExp): number {
  const match = new RegExp(`${label.source}\\s*([\\d.]+)`, 'm').exec(output);
  if (!match) throw new Error(`no ${label.source} in the engine bench's output:\n${output}`);
  return Number(match[1]);
}

/**
 * The embedded engine through mongoose, engine in its own process: the engine's own bench
 * (`npm run bench -w @ticketing/embedded-mongo`: lookups, the tickets page query, transaction
 * commits of 50 concurrent clients), whose PASS/FAIL lines (findById p99 floor, lookups flat from
 * 1k to 100k documents) give the verdict.
 */
export async function engineFigure(): Promise<Figure> {
  // The bench exits 1 when one of its floors fails: that is a miss, reported, not a crash.
  const output = await run(
    'npm',
    ['run', '--silent', 'bench', '-w', '@ticketing/embedded-mongo'],
    workspaceEnv(),
    [0, 1],
  );
  const checks = [...output.matchAll(/^(PASS|FAIL) (.*)$/gm)];
  return {
    name: 'embedded engine',
    goal: 'reported; flat from 1k to 100k documents',
    verdict: verdictOf(checks.map((check) => check[1] === 'PASS')),
    values: {
      'Model.create inserts/s': numberAfter(output, /Model\.create:/),
      'findById p50 ms @1k': numberAfter(output, /findById\s+@1000: p50/),
      'findById p50 ms @100k': numberAfter(output, /findById\s+@100000: p50/),
      'find by index p50 ms @1k': numberAfter(output, /find by index\s+@1000: p50/),
      'find by index p50 ms @100k': numberAfter(output, /find by index\s+@100000: p50/),
      'findById p50 100k/1k': numberAfter(output, /ratio 100k\/1k: findById/),
      'indexed field p50 100k/1k': numberAfter(output, /indexed field/),
      'tickets page (20 of 10,000) p50 ms': numberAfter(output, /tickets page @\d+ first\s*: p50/),
      'transaction commits/s, 50 clients': numberAfter(output, /transactions, \d+ clients, journaled:/),
      checks: checks.map((check) => `${check[1]} ${check[2]}`).join(', '),
    },
    note: 'the same through the MongoDB driver against a real mongod is not measured: no mongod can be installed here',
  };
}
