/**
 * The web client's figures: production build time, server render time of `/` with 1,000 listings,
 * and Lighthouse scores (performance, accessibility, best practices) of `/`, a ticket page and an
 * order page, measured against the local stack with Debian's Chromium. Run with `npm run bench`;
 * results go to bench/results/ (git-ignored) as JSON and markdown.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStack, type Stack } from '../../local/stack/src';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/chromium';

const CLIENT_DIR = path.resolve(__dirname, '..');
const LIGHTHOUSE = path.resolve(CLIENT_DIR, '../node_modules/.bin/lighthouse');
const RESULTS_DIR = path.join(__dirname, 'results');
const LISTINGS = 1_000;
const RENDERS = 200;
const LIGHTHOUSE_RUNS = 3;
const LIGHTHOUSE_GOAL = 90;

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: CLIENT_DIR, env: { ...process.env, ...env }, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args[0]} exited with ${code}`)),
    );
  });
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}

function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

async function timeBuild(): Promise<number> {
  rmSync(path.join(CLIENT_DIR, '.next'), { recursive: true, force: true });
  const started = performance.now();
  await run(process.execPath, [require.resolve('next/dist/bin/next'), 'build'], { NEXT_TELEMETRY_DISABLED: '1' });
  return (performance.now() - started) / 1000;
}

interface Session {
  cookie: string;
}

async function signUp(stack: Stack, email: string): Promise<Session> {
  const response = await fetch(`${stack.url}/api/users/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'bench-password' }),
  });
  if (response.status !== 201) throw new Error(`sign up of ${email} answered ${response.status}`);
  return { cookie: response.headers.getSetCookie()[0].split(';')[0] };
}

async function apiPost<T>(stack: Stack, session: Session, url: string, body: unknown): Promise<T> {
  const response = await fetch(`${stack.url}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: session.cookie },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

async function listTickets(stack: Stack, seller: Session): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < LISTINGS; start += 20) {
    const batch = Array.from({ length: Math.min(20, LISTINGS - start) }, (_, index) =>
      apiPost<{ id: string }>(stack, seller, '/api/tickets', {
        title: `Concert number ${start + index + 1}, front row`,
        price: 10 + ((start + index) % 90),
      }),
    );
    ids.push(...(await Promise.all(batch)).map((ticket) => ticket.id));
  }
  return ids;
}

/** Orders learns of a new ticket through the event stream: the first attempts may find it unknown. */
async function orderTicket(stack: Stack, buyer: Session, ticketId: string): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const response = await fetch(`${stack.url}/api/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: buyer.cookie },
      body: JSON.stringify({ ticketId }),
    });
    if (response.status === 201) return ((await response.json()) as { id: string }).id;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`could not order ticket ${ticketId}`);
}

async function measureRenders(url: string): Promise<{ p50: number; p99: number }> {
  for (let warmup = 0; warmup < 20; warmup += 1) await (await fetch(url)).text();
  const samples: number[] = [];
  for (let index = 0; index < RENDERS; index += 1) {
    const started = performance.now();
    const response = await fetch(url);
    await response.text();
    if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

interface Scores {
  performance: number;
  accessibility: number;
  'best-practices': number;
}

/**
 * Lighthouse's two ways of emulating a mid-range phone on slow 4G. `devtools` applies the network and
 * CPU throttling while the page loads; `simulate` (Lighthouse's default) loads at full speed and
 * estimates the throttled timings. On loopback the scripts have already run when the text is first
 * painted, so `simulate` charges their (4x CPU) cost to the page's largest paint as well.
 */
const THROTTLING_METHODS = ['devtools', 'simulate'] as const;
type ThrottlingMethod = (typeof THROTTLING_METHODS)[number];

/**
 * Lighthouse's mobile scores of `url` (median of a few runs), each run in its own process; every
 * run's full report is kept in the results folder.
 */
async function lighthouse(
  name: string,
  url: string,
  cookie: string | undefined,
  method: ThrottlingMethod,
): Promise<Scores> {
  const runs: Scores[] = [];
  for (let index = 0; index < LIGHTHOUSE_RUNS; index += 1) {
    const output = path.join(RESULTS_DIR, `lighthouse-${name.replace(/\W+/g, '-')}-${method}-${index + 1}.json`);
    await run(LIGHTHOUSE, [
      url,
      `--throttling-method=${method}`,
      `--chrome-path=${CHROMIUM_PATH}`,
      `--chrome-flags=${['--headless=new', ...CHROMIUM_ARGS].join(' ')}`,
      '--only-categories=performance,accessibility,best-practices',
      '--output=json',
      `--output-path=${output}`,
      '--quiet',
      ...(cookie ? [`--extra-headers=${JSON.stringify({ Cookie: cookie })}`] : []),
    ]);
    const report = JSON.parse(readFileSync(output, 'utf8')) as { categories: Record<keyof Scores, { score: number }> };
    runs.push({
      performance: report.categories.performance.score * 100,
      accessibility: report.categories.accessibility.score * 100,
      'best-practices': report.categories['best-practices'].score * 100,
    });
  }
  return {
    performance: median(runs.map((scores) => scores.performance)),
    accessibility: median(runs.map((scores) => scores.accessibility)),
    'best-practices': median(runs.map((scores) => scores['best-practices'])),
  };
}

async function main(): Promise<void> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const buildSeconds = await timeBuild();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ticketing-client-bench-'));
  const stack = await startStack({ dataDir, runMode: 'source', client: true, logLevel: 'warn' });
  try {
    const seller = await signUp(stack, 'seller@bench.example');
    const buyer = await signUp(stack, 'buyer@bench.example');
    const ticketIds = await listTickets(stack, seller);
    const orderId = await orderTicket(stack, buyer, ticketIds[0]);

    const render = await measureRenders(`${stack.client!.url}/`);
    const pages = {
      '/': { url: `${stack.url}/`, cookie: undefined },
      'ticket page': { url: `${stack.url}/tickets/${ticketIds[1]}`, cookie: undefined },
      'order page': { url: `${stack.url}/orders/${orderId}`, cookie: buyer.cookie },
    };
    const scores: Record<ThrottlingMethod, Record<string, Scores>> = { devtools: {}, simulate: {} };
    for (const method of THROTTLING_METHODS) {
      for (const [name, page] of Object.entries(pages)) {
        scores[method][name] = await lighthouse(name, page.url, page.cookie, method);
      }
    }

    const results = {
      measuredAt: new Date().toISOString(),
      machine: { cores: os.cpus().length, node: process.version },
      buildSeconds: Number(buildSeconds.toFixed(1)),
      renderHomeWithListings: { listings: LISTINGS, requests: RENDERS, p50Ms: render.p50, p99Ms: render.p99 },
      lighthouse: { runsPerPage: LIGHTHOUSE_RUNS, goal: LIGHTHOUSE_GOAL, scores },
    };
    writeFileSync(path.join(RESULTS_DIR, 'client-bench.json'), `${JSON.stringify(results, null, 2)}\n`);
    const rows = THROTTLING_METHODS.flatMap((method) =>
      Object.entries(scores[method]).map(
        ([name, page]) =>
          `| ${name} | ${method} | ${page.performance} | ${page.accessibility} | ${page['best-practices']} | ${
            Math.min(page.performance, page.accessibility, page['best-practices']) >= LIGHTHOUSE_GOAL ? 'met' : 'missed'
          } |`,
      ),
    );
    const report = [
      `# Web client figures (${results.measuredAt}, ${results.machine.cores} cores, Node ${results.machine.node})`,
      '',
      `- Production build (\`next build\`, from scratch): ${results.buildSeconds} s`,
      `- Server render of \`/\` with ${LISTINGS} listings (${RENDERS} requests one after the other, straight to the client): p50 ${render.p50.toFixed(1)} ms, p99 ${render.p99.toFixed(1)} ms`,
      '',
      `Lighthouse (mobile, slow 4G and 4x CPU, throttling applied while loading and simulated; median of ${LIGHTHOUSE_RUNS} runs; goal ${LIGHTHOUSE_GOAL}):`,
      '',
      '| page | throttling | performance | accessibility | best practices | goal |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
    ].join('\n');
    writeFileSync(path.join(RESULTS_DIR, 'client-bench.md'), report);
    process.stdout.write(report);
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
