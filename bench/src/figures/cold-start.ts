import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
// Straight from the file: the testing index would load the test servers too.
import { findFreePort } from '../../../common/src/testing/server-process';
import { repoRoot, run, workspaceEnv } from '../processes';
import type { Figure } from '../report';

const READY = /Ticketing is ready at /;
// A cold start installs every dependency and builds seven workspaces and the web client.
const START_TIMEOUT_MS = 15 * 60_000;

/**
 * Every port `npm start` would open, moved to free ones: the machine may run anything on the
 * defaults. The services take SERVICE_BASE_PORT and the next hundreds, so that base is the free
 * port rounded down to a hundred, far above the other ports.
 */
async function freePorts(): Promise<Record<string, string>> {
  const names = ['GATEWAY_PORT', 'MONGO_PORT', 'NATS_PORT', 'REDIS_PORT', 'STRIPE_PORT', 'MAIL_SMTP_PORT'];
  const ports = Object.fromEntries(await Promise.all(names.map(async (name) => [name, String(await findFreePort())])));
  return { ...ports, SERVICE_BASE_PORT: String(20_000 + Math.floor(Math.random() * 200) * 100) };
}

/** `npm start` in `dir` until it says it is ready: how long that took, then Ctrl-C and its exit. */
function timeToReady(dir: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // In a process group of its own, which gets the SIGINT as a terminal's Ctrl-C does: npm passes
    // no signal on to the launcher it runs under `sh -c`.
    const child = spawn('npm', ['start'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const interrupt = () => process.kill(-child.pid!, 'SIGINT');
    let output = '';
    let readyMs: number | undefined;
    const timer = setTimeout(interrupt, START_TIMEOUT_MS);
    const watch = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      if (readyMs === undefined && READY.test(output)) {
        readyMs = performance.now() - started;
        interrupt();
      }
    };
    child.stdout.on('data', watch);
    child.stderr.on('data', watch);
    child.once('error', reject);
    child.once('exit', () => {
      clearTimeout(timer);
      if (readyMs === undefined) reject(new Error(`npm start never got ready: ${output.slice(-1500)}`));
      else resolve(readyMs);
    });
  });
}

/**
 * `npm start` from a fresh clone of this repository's HEAD (npm ci from the machine's npm cache,
 * the build of every workspace and of the web client, then the stack), and again from the same
 * clone once built (the warm start), each until the launcher prints that it is ready.
 */
export async function coldStartFigure(): Promise<Figure> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ticketing-cold-start-'));
  try {
    await run('git', ['clone', '--quiet', '--no-hardlinks', repoRoot, dir], workspaceEnv());
    const env = { ...workspaceEnv(), ...(await freePorts()) };
    const coldMs = await timeToReady(dir, env);
    const warmMs = await timeToReady(dir, env);
    return {
      name: 'cold and warm start',
      goal: 'reported',
      verdict: 'reported',
      values: { 'npm start from a fresh clone, s': coldMs / 1000, 'npm start again, built, s': warmMs / 1000 },
      note: "the fresh clone installs from this machine's npm cache (a first install ever also downloads the packages)",
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
