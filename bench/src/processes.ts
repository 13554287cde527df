import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Percentiles } from './stats';

export const repoRoot = path.join(__dirname, '../..');
const SWC = ['-r', require.resolve('@swc-node/register')];
const ENV = { ...process.env, SWC_NODE_PROJECT: path.join(__dirname, '../tsconfig.json') };

/** The environment for a workspace's own scripts (npm run ... -w): without the harness's SWC_NODE_PROJECT. */
export function workspaceEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.SWC_NODE_PROJECT;
  return env;
}

/**
 * Runs a command to its end; resolves with its stdout, rejects with its stderr's tail when it exits
 * with a code not in `okCodes`.
 */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv = ENV, okCodes = [0]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      okCodes.includes(code ?? -1)
        ? resolve(stdout)
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`)),
    );
  });
}

/**
 * Runs one of the harness's TypeScript scripts (in src/) in its own process, given `input` as a
 * JSON file (too big for an argument with a thousand session cookies); its last stdout line is JSON.
 */
export async function runScript<T>(script: string, input: unknown): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ticketing-bench-input-'));
  const inputFile = path.join(dir, 'input.json');
  await writeFile(inputFile, JSON.stringify(input));
  try {
    const stdout = await run(process.execPath, [...SWC, path.join(__dirname, script), inputFile]);
    return JSON.parse(stdout.trim().split('\n').pop()!) as T;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Starts one of the harness's servers (src/baseline-server.ts) and resolves with its port once it listens. */
export function startScriptServer(script: string, args: string[]): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [...SWC, path.join(__dirname, script), ...args], {
    cwd: repoRoot,
    env: { ...ENV, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) =>
      resolve({ port: Number(/port (\d+)/.exec(chunk.toString())![1]), child }),
    );
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}`)));
  });
}

export interface LoadResult {
  requestsPerSecond: number;
  latency: Percentiles;
  non2xx: number;
  errors: number;
}

/** autocannon in its own process: `connections` keep-alive connections for `seconds` against one URL. */
export async function autocannon(url: string, connections: number, seconds: number): Promise<LoadResult> {
  const cli = require.resolve('autocannon/autocannon.js');
  const stdout = await run(process.execPath, [cli, '--json', '-c', String(connections), '-d', String(seconds), url]);
  const result = JSON.parse(stdout) as {
    requests: { average: number };
    latency: { p50: number; p90: number; p99: number; max: number; totalCount?: number };
    non2xx: number;
    errors: number;
  };
  const { p50, p90, p99, max } = result.latency;
  return {
    requestsPerSecond: result.requests.average,
    latency: { count: result.latency.totalCount ?? 0, p50, p90, p99, max },
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
