import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { allFree, eventually, freePorts, listenOn, makeTempDir, pidListeningOn, removeDir, waitUntil } from './helpers';

const stackDir = path.resolve(__dirname, '..');
/** A run that ends before anything starts still loads the launcher (seconds on a busy two-core machine); a test may make five. */
const SHORT_RUN_TIMEOUT_MS = 60_000;

interface RunningCli {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  exited: Promise<number | null>;
}

/** Runs the CLI the way scripts/start.mjs does, with the given environment on top. */
function runCli(env: Record<string, string>, args: string[] = []): RunningCli {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(stackDir, 'src/cli.ts'), ...args], {
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
  // mongo, nats, redis, gateway, fake Stripe, the services (auth on it, tickets 100 above, ...), mail
  // sink; picked again while a service's port is one of the others (a busy NATS port seen as notifications').
  do ports = await freePorts(7);
  while (servicePorts().some((port) => ports.includes(port) && port !== ports[5]));
  env = {
    STACK_DATA_DIR: dataDir,
    MONGO_PORT: String(ports[0]),
    NATS_PORT: String(ports[1]),
    REDIS_PORT: String(ports[2]),
    GATEWAY_PORT: String(ports[3]),
    STRIPE_PORT: String(ports[4]),
    SERVICE_BASE_PORT: String(ports[5]),
    MAIL_SMTP_PORT: String(ports[6]),
    // Without the web client: its start is tested in client.test.ts, and `next dev` allows one
    // dev server per folder, which may well be a developer's own.
    CLIENT: '0',
  };
});

afterEach(() => removeDir(dataDir));

const servicePorts = () => [0, 100, 200, 300, 400, 500].map((offset) => ports[5] + offset);
/** A line of the summary: the name padded to the longest service name's width. */
const summaryLine = (name: string, text: string) => `${name.padEnd('notifications'.length)}   ${text}`;

// The CLI runs with --dev (services from their sources): `npm start` would first build them.
test('prints where everything is once ready, then stops cleanly on SIGTERM', async () => {
  const cli = runCli(env, ['--dev']);
  try {
    await waitUntil(() => cli.output().stdout.includes('Ticketing is ready'), 60_000);
    const summary = cli.output().stdout.trim().split('\n').slice(-14);
    expect(summary).toEqual([
      expect.stringMatching(new RegExp(`^mongo +mongodb://127\\.0\\.0\\.1:${ports[0]}/\\?replicaSet=rs0  \\(data in `)),
      expect.stringMatching(new RegExp(`^nats +nats://127\\.0\\.0\\.1:${ports[1]}  \\(data in `)),
      expect.stringMatching(new RegExp(`^redis +redis://127\\.0\\.0\\.1:${ports[2]}  \\(data in `)),
      summaryLine(
        'stripe',
        `http://127.0.0.1:${ports[4]}  (fake Stripe API; webhooks to http://127.0.0.1:${ports[3]}/api/payments/webhook)`,
      ),
      expect.stringMatching(
        new RegExp(
          `^mail +smtp://127\\.0\\.0\\.1:${ports[6]}  \\(mail sink; inbox at http://localhost:${ports[3]}/mail, data in .+/mail\\)$`,
        ),
      ),
      summaryLine('auth', `http://localhost:${servicePorts()[0]}`),
      summaryLine('tickets', `http://localhost:${servicePorts()[1]}`),
      summaryLine('orders', `http://localhost:${servicePorts()[2]}`),
      summaryLine('payments', `http://localhost:${servicePorts()[3]}`),
      summaryLine('expiration', `http://localhost:${servicePorts()[4]}`),
      summaryLine('notifications', `http://localhost:${servicePorts()[5]}`),
      summaryLine('client', 'not started (--no-client or CLIENT=0)'),
      expect.stringMatching(/^logs in .+\/logs\/$/),
      `Ticketing is ready at http://localhost:${ports[3]} (no web client: / lists the APIs), services in watch mode. ` +
        'Ctrl-C stops everything.',
    ]);
    // Service output is shown with the instance's name in front.
    expect(cli.output().stdout).toMatch(/^orders +\| orders listening port=\d+$/m);
  } finally {
    cli.child.kill('SIGTERM');
  }
  expect(await cli.exited).toBe(0);
  expect(cli.output().stdout).toMatch(
    /stopping: gateway, client, services, mail sink, fake Stripe, servers\nstopped\n$/,
  );
  expect(await allFree([...ports.slice(0, 5), ports[6], ...servicePorts()])).toBe(true);
}, 90_000);

test('restarts a killed service with a notice and runs on; stops everything, exit code 1, when NATS cannot start again', async () => {
  const cli = runCli(env, ['--dev']);
  try {
    await waitUntil(() => cli.output().stdout.includes('Ticketing is ready'), 60_000);
    process.kill(pidListeningOn(servicePorts()[1])!, 'SIGKILL');
    await waitUntil(() => cli.output().stdout.includes('\ntickets is back\n'), 30_000);
    expect(cli.output().stdout).toContain('\ntickets was killed by SIGKILL; restarting in 0.5 s (restart 1)\n');
    expect((await fetch(`http://127.0.0.1:${ports[3]}/api/tickets`)).status).toBe(200);

    // Its port taken by another program as soon as it is gone, NATS fails each start again.
    process.kill(pidListeningOn(ports[1])!, 'SIGKILL');
    const squatter = await eventually(
      'the NATS port to be free',
      () => listenOn(ports[1]).catch(() => undefined),
      2_000,
    );
    try {
      expect(await cli.exited).toBe(1);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  } finally {
    cli.child.kill('SIGTERM');
  }
  expect(cli.output().stderr).toMatch(
    /^npm start: nats exited with code 1 before it was ready: .*address already in use.* \(see .+nats\.log\) \(5 times in a row\); stopping everything\n$/,
  );
  expect(await allFree([...ports.slice(0, 5), ports[6], ...servicePorts()])).toBe(true);
}, 120_000);

test(
  'a busy port: one line on stderr, exit code 1, nothing left running',
  async () => {
    const squatter = await listenOn(ports[1]);
    try {
      const cli = runCli(env, ['--dev']);
      expect(await cli.exited).toBe(1);
      expect(cli.output().stderr).toBe(
        `npm start: port ${ports[1]} for nats is already in use on 127.0.0.1 ` +
          '(settings: NATS_PORT, or NATS_URL to use a running server)\n',
      );
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    expect(await allFree(ports)).toBe(true);
  },
  SHORT_RUN_TIMEOUT_MS,
);

test(
  'a busy mail sink port: one line on stderr naming the setting, nothing left running',
  async () => {
    const squatter = await listenOn(ports[6]);
    try {
      const cli = runCli(env, ['--dev']);
      expect(await cli.exited).toBe(1);
      expect(cli.output().stderr).toBe(
        `npm start: port ${ports[6]} for mail is already in use on 127.0.0.1 (setting: MAIL_SMTP_PORT)\n`,
      );
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    expect(await allFree(ports)).toBe(true);
  },
  SHORT_RUN_TIMEOUT_MS,
);

test(
  'an invalid setting: one line on stderr, exit code 1',
  async () => {
    const badPort = runCli({ ...env, REDIS_PORT: 'six' });
    expect(await badPort.exited).toBe(1);
    expect(badPort.output().stderr).toBe("npm start: REDIS_PORT must be a port number from 1 to 65535, got 'six'\n");

    const badReplicas = runCli(env, ['--replicas', '0']);
    expect(await badReplicas.exited).toBe(1);
    expect(badReplicas.output().stderr).toBe("npm start: --replicas must be a whole number from 1 to 20, got '0'\n");

    const badClient = runCli({ ...env, CLIENT: 'no' });
    expect(await badClient.exited).toBe(1);
    expect(badClient.output().stderr).toBe("npm start: CLIENT must be 0 (no web client) or 1, got 'no'\n");

    const unknownArgument = runCli(env, ['--without-client']);
    expect(await unknownArgument.exited).toBe(1);
    expect(unknownArgument.output().stderr).toMatch(
      /^npm start: Unknown option '--without-client'.*; usage: npm start \[-- --replicas N\] \[--no-client\] \[--follow ORDER_OR_TRACE_ID\]\n$/,
    );

    const badFollow = runCli(env, ['--follow', 'order-42']);
    expect(await badFollow.exited).toBe(1);
    expect(badFollow.output().stderr).toBe(
      "npm start: --follow takes an order id (24 hex digits) or a trace id (32 hex digits), got 'order-42'\n",
    );
  },
  SHORT_RUN_TIMEOUT_MS,
);

test('--follow with a trace id: the console shows the service lines of that trace only, which the gateway passed on', async () => {
  const traceId = randomBytes(16).toString('hex');
  const cli = runCli(env, ['--dev', '--follow', traceId]);
  try {
    await waitUntil(() => cli.output().stdout.includes('Ticketing is ready'), 60_000);
    const gateway = `http://127.0.0.1:${ports[3]}`;
    // Another trace (the gateway starts one for a request without a traceparent), then the followed one.
    expect((await fetch(`${gateway}/api/tickets?limit=1`)).status).toBe(200);
    const followed = await fetch(`${gateway}/api/tickets?limit=2`, {
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    });
    expect(followed.status).toBe(200);
    await waitUntil(() => cli.output().stdout.includes('GET /api/tickets?limit=2'), 10_000);
  } finally {
    cli.child.kill('SIGTERM');
    await cli.exited;
  }
  const { stdout } = cli.output();
  const afterReady = stdout.slice(stdout.indexOf('Ticketing is ready')).split('\n');
  expect(afterReady[1]).toBe(`showing only the service lines of order or trace ${traceId} (--follow)`);
  const serviceLines = afterReady.filter((line) => / \| /.test(line));
  // Of all that the services logged meanwhile (the other request, NATS and listener notices), one line.
  expect(serviceLines).toEqual([
    expect.stringMatching(new RegExp(`^tickets +\\| 200 GET /api/tickets\\?limit=2 \\d+ ms trace_id=${traceId}$`)),
  ]);
}, 90_000);

test(
  'a missing binary: one line on stderr, exit code 1, nothing left running',
  async () => {
    const cli = runCli({ ...env, PATH: '/nonexistent' }, ['--dev']);
    expect(await cli.exited).toBe(1);
    expect(cli.output().stderr).toBe(
      'npm start: nats-server is not on PATH; install it (Debian/Ubuntu: apt-get install nats-server) ' +
        '(settings: NATS_PORT, or NATS_URL to use a running server)\n',
    );
    expect(await allFree(ports)).toBe(true);
  },
  SHORT_RUN_TIMEOUT_MS,
);

test(
  'a busy service port: one line on stderr naming the service and the setting',
  async () => {
    const squatter = await listenOn(servicePorts()[2]);
    try {
      const cli = runCli(env, ['--dev']);
      expect(await cli.exited).toBe(1);
      expect(cli.output().stderr).toBe(
        `npm start: port ${servicePorts()[2]} for orders is already in use on 127.0.0.1 (setting: SERVICE_BASE_PORT)\n`,
      );
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  },
  SHORT_RUN_TIMEOUT_MS,
);

test('stops the stack when the process that started it is gone, as after a SIGTERM to npm', async () => {
  const cliCommand = `'${process.execPath}' -r @swc-node/register '${path.join(stackDir, 'src/cli.ts')}' --dev --no-client`;
  // `; true` keeps the shell alive as the CLI's parent instead of exec'ing the CLI.
  const shell = spawn('sh', ['-c', `${cliCommand}; true`], {
    env: { ...process.env, SWC_NODE_PROJECT: path.join(stackDir, 'tsconfig.json'), ...env, CLIENT: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  shell.stdout!.on('data', (chunk) => (stdout += chunk));
  await waitUntil(() => stdout.includes('Ticketing is ready'), 60_000);
  shell.kill('SIGKILL');
  await waitUntil(() => stdout.includes('stopped\n'), 30_000);
  expect(await allFree([...ports.slice(0, 5), ports[6], ...servicePorts()])).toBe(true);
}, 90_000);
