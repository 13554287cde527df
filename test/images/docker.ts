// The Docker engine as the images suite uses it: started here when it is not running, with no
// bridge network (the private addresses a bridge takes are off-limits on our machines: every build
// and container uses the host's network), and driven through the docker CLI.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from '@ticketing/common/testing';

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function docker(args: string[], options: { input?: string } = {}): CommandResult {
  const result = spawnSync('docker', args, { encoding: 'utf8', input: options.input, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`cannot run docker: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** docker with these arguments, which must succeed; its standard output. */
export function dockerOk(args: string[]): string {
  const result = docker(args);
  if (result.status !== 0) throw new Error(`docker ${args.join(' ')} failed:\n${result.stderr.slice(-4000)}`);
  return result.stdout;
}

/** The same, without blocking the event loop: for builds, which take minutes. */
export function dockerOkAsync(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      if (status === 0) resolve(output);
      else reject(new Error(`docker ${args.join(' ')} failed (exit ${status}):\n${output.slice(-6000)}`));
    });
  });
}

function engineAnswers(): boolean {
  return docker(['info', '--format', '{{.ServerVersion}}']).status === 0;
}

export interface DockerEngine {
  /** Stops the engine if it was started here; one that already ran is left running. */
  stop(): Promise<void>;
}

/**
 * Makes sure a Docker engine answers: uses the one that runs, or starts dockerd (as root) without a
 * bridge network and waits until it answers.
 */
export async function ensureDockerEngine(): Promise<DockerEngine> {
  if (engineAnswers()) return { stop: async () => undefined };
  const logFile = path.join(tmpdir(), `ticketing-dockerd-${process.pid}.log`);
  const log = openSync(logFile, 'a');
  let daemon: ChildProcess;
  try {
    daemon = spawn('dockerd', ['--bridge=none'], { detached: true, stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
  await waitFor(engineAnswers, {
    timeoutMs: 60_000,
    intervalMs: 500,
    description: `dockerd to answer (its log: ${logFile})`,
  });
  return {
    stop: async () => {
      daemon.kill('SIGTERM');
      await exited;
    },
  };
}

/** The size of an image as `docker images` shows it (its layers unpacked), in bytes. */
export function imageSize(tag: string): number {
  return Number(dockerOk(['image', 'inspect', '--format', '{{.Size}}', tag]).trim());
}

/** The size of an image's layers gzip-compressed, as a registry stores them and a node pulls them, in bytes. */
export function compressedImageSize(tag: string): number {
  const result = spawnSync('sh', ['-c', `docker save "$0" | gzip -c | wc -c`, tag], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`cannot measure the compressed size of ${tag}: ${result.stderr}`);
  return Number(result.stdout.trim());
}
