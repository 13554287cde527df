import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { allFree, freePorts, listenOn, makeTempDir, removeDir, waitUntil } from './helpers';

const stackDir = path.resolve(__dirname, '..');

interface RunningCli {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  exited: Promise<number | null>;
}

/** Runs the CLI the way scripts/start.mjs does, with the given environment on top. */
function runCli(env: Record<string, string>): RunningCli {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(stackDir, 'src/cli.ts')], {
    env: { ...process.env, SWC_NODE_PROJECT: path.join(stackDir, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => ({ stdout, stderr }), exited };
}

let dataDir: string;
let ports: number[];
let env: Record<string, string>;

beforeEach(async () => {
  dataDir = await makeTempDir();
  ports = await freePorts(3);
  env = {
    STACK_DATA_DIR: dataDir,
    MONGO_PORT: String(ports[0]),
    NATS_PORT: String(ports[1]),
    REDIS_PORT: String(ports[2]),
  };
});

afterEach(() => removeDir(dataDir));

test('prints one line per server and that there are no services yet, then stops cleanly on SIGTERM', async () => {
  const cli = runCli(env);
  try {
    await waitUntil(() => cli.output().stdout.includes('started:'), 20_000);
    const lines = cli.output().stdout.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^mongo mongodb://127\\.0\\.0\\.1:${ports[0]}/\\?replicaSet=rs0  \\(data in `)),
      expect.stringMatching(new RegExp(`^nats  nats://127\\.0\\.0\\.1:${ports[1]}  \\(data in `)),
      expect.stringMatching(new RegExp(`^redis redis://127\\.0\\.0\\.1:${ports[2]}  \\(data in `)),
      expect.stringMatching(/^started: mongo, nats, redis; no services yet/),
    ]);
  } finally {
    cli.child.kill('SIGTERM');
  }
  expect(await cli.exited).toBe(0);
  expect(cli.output().stdout).toMatch(/stopping: redis, nats, mongo\nstopped\n$/);
  expect(await allFree(ports)).toBe(true);
});

test('a busy port: one line on stderr, exit code 1, nothing left running', async () => {
  const squatter = await listenOn(ports[1]);
  try {
    const cli = runCli(env);
    expect(await cli.exited).toBe(1);
    expect(cli.output().stderr).toBe(
      `npm start: port ${ports[1]} for nats is already in use on 127.0.0.1 ` +
        '(settings: NATS_PORT, or NATS_URL to use a running server)\n',
    );
  } finally {
    await new Promise((resolve) => squatter.close(resolve));
  }
  expect(await allFree(ports)).toBe(true);
});

test('an invalid port setting: one line on stderr, exit code 1', async () => {
  const cli = runCli({ ...env, REDIS_PORT: 'six' });
  expect(await cli.exited).toBe(1);
  expect(cli.output().stderr).toBe("npm start: REDIS_PORT must be a port number from 1 to 65535, got 'six'\n");
});

test('stops the stack when the process that started it is gone, as after a SIGTERM to npm', async () => {
  const cliCommand = `'${process.execPath}' -r @swc-node/register '${path.join(stackDir, 'src/cli.ts')}'`;
  // `; true` keeps the shell alive as the CLI's parent instead of exec'ing the CLI.
  const shell = spawn('sh', ['-c', `${cliCommand}; true`], {
    env: { ...process.env, SWC_NODE_PROJECT: path.join(stackDir, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  shell.stdout!.on('data', (chunk) => (stdout += chunk));
  await waitUntil(() => stdout.includes('started:'), 20_000);
  shell.kill('SIGKILL');
  await waitUntil(() => stdout.includes('stopped\n'), 20_000);
  expect(await allFree(ports)).toBe(true);
});
