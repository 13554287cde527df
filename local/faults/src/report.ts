import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ScenarioResult {
  scenario: string;
  faults: string;
  requests: number;
  events: number;
  violations: number;
  /** From the end of the scenario's traffic and faults until every invariant held. */
  convergedInMs: number;
}

/** The suite's table, in Markdown so that the README can show it as it is printed. */
export function resultTable(results: ScenarioResult[]): string {
  const rows = results.map(
    (result) =>
      `| ${result.scenario} | ${result.faults} | ${result.requests} | ${result.events} | ${result.violations} | ` +
      `${(result.convergedInMs / 1000).toFixed(1)} s |`,
  );
  return [
    '| Scenario | Faults | Requests | Events | Violations | Converged in |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

/** Where the latest table is kept (git-ignored): the README's reliability section is copied from it. */
export const RESULTS_FILE = path.join(__dirname, '../results/latest.md');

export function writeResults(results: ScenarioResult[]): string {
  const table = resultTable(results);
  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, `${table}\n`);
  return table;
}
