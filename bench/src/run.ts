/**
 * `npm run bench`: the local stack on production builds, each figure of the performance issue
 * measured beside its baseline taken in the same run, load from separate processes on loopback.
 * Writes results/latest.json (core count and every figure), results/latest.md and the chart
 * results/latency.svg. `npm run bench -- http flash` measures only the figures named (ids below).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { authFigure } from './figures/auth';
import { coldStartFigure } from './figures/cold-start';
import { engineFigure } from './figures/engine';
import { EXPIRY_WINDOW_SECONDS, expiryFigure } from './figures/expiry';
import { flashSaleFigure } from './figures/flash-sale';
import { httpFigures } from './figures/http';
import { listingFigure } from './figures/listing';
import { memoryFigure, residentMemory } from './figures/memory';
import { chartRows, renderMarkdown, renderSvg, type BenchResults, type Figure } from './report';
import { BenchSystem, buildIfStale } from './system';

const RESULTS_DIR = path.join(__dirname, '../results');
const FIGURE_IDS = ['http', 'flash', 'listing', 'expiry', 'memory', 'auth', 'engine', 'start', 'cold'] as const;
type FigureId = (typeof FIGURE_IDS)[number];

const asked = process.argv.slice(2);
const unknown = asked.filter((id) => !(FIGURE_IDS as readonly string[]).includes(id));
if (unknown.length > 0) {
  console.error(`unknown figure ${unknown.join(', ')}; the figures are ${FIGURE_IDS.join(', ')}`);
  process.exit(2);
}
const wanted = (id: FigureId) => asked.length === 0 || asked.includes(id);

const figures: Figure[] = [];

/** Measures one figure; one that fails to be measured is reported as a miss saying why, never left out. */
async function measure(id: FigureId, name: string, work: () => Promise<Figure | Figure[]>): Promise<void> {
  if (!wanted(id)) return;
  console.log(`${name}...`);
  try {
    const result = await work();
    figures.push(...(Array.isArray(result) ? result : [result]));
  } catch (error) {
    figures.push({
      name,
      goal: '-',
      verdict: 'miss',
      values: {},
      note: `not measured: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
}

let running: BenchSystem | undefined;

async function withSystem(
  options: { replicas: number; expirationWindowSeconds?: number },
  work: (system: BenchSystem) => Promise<void>,
): Promise<number> {
  running = await BenchSystem.start(options);
  try {
    await work(running);
    return running.startMs;
  } finally {
    await running.stop();
    running = undefined;
  }
}

async function main(): Promise<void> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const build = await buildIfStale();
  const startTimes: Record<string, number> = {};

  if (FIGURE_IDS.filter((id) => !['flash', 'engine', 'cold'].includes(id)).some(wanted)) {
    console.log('starting the stack: one replica of each service');
    startTimes['one replica'] = await withSystem(
      { replicas: 1, expirationWindowSeconds: EXPIRY_WINDOW_SECONDS },
      async (system) => {
        // Idle: started, nothing asked of it yet but its readiness probes.
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        const idle = await residentMemory(system);
        await measure('http', 'HTTP reads', () =>
          httpFigures(system, { connections: 50, seconds: 10, resultsDir: RESULTS_DIR }),
        );
        await measure('listing', 'listing → purchasable', () => listingFigure(system));
        await measure('expiry', 'expiry accuracy', () => expiryFigure(system));
        await measure('auth', 'sign-up and sign-in', () => authFigure(system));
        await measure('memory', 'resident memory', async () => memoryFigure(idle, await residentMemory(system)));
      },
    );
  }
  if (wanted('flash')) {
    console.log('starting the stack: two replicas of each service');
    startTimes['two replicas'] = await withSystem({ replicas: 2 }, async (system) => {
      await measure('flash', 'flash sale (2 replicas)', () => flashSaleFigure(system));
    });
  }
  await measure('engine', 'embedded engine', engineFigure);
  await measure('start', 'stack start', async () => ({
    name: 'stack start',
    goal: 'reported',
    verdict: 'reported',
    values: {
      ...Object.fromEntries(Object.entries(startTimes).map(([stack, ms]) => [`startStack, ${stack}, s`, ms / 1000])),
      ...(build.built.length > 0 ? { [`build of ${build.built.length} stale workspaces, s`]: build.ms / 1000 } : {}),
    },
    note: 'startStack on built services, no web client, fresh data dir',
  }));
  await measure('cold', 'cold and warm start', coldStartFigure);

  const results: BenchResults = {
    date: new Date().toISOString(),
    node: process.version,
    cores: os.availableParallelism(),
    figures,
  };
  await writeFile(path.join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(path.join(RESULTS_DIR, 'latency.svg'), renderSvg(chartRows(figures)));
  const markdown = renderMarkdown(results, 'latency.svg');
  await writeFile(path.join(RESULTS_DIR, 'latest.md'), markdown);
  console.log(`\n${markdown}\nwritten to ${path.relative(process.cwd(), RESULTS_DIR)}/`);
}

process.once('SIGINT', () => {
  console.error('interrupted: stopping the stack');
  void (running?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
});

main().catch(async (error: unknown) => {
  console.error(error);
  await running?.stop();
  process.exit(1);
});
