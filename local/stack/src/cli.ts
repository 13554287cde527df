// `npm start` and `npm run dev` run this through scripts/start.mjs: the whole system in the
// foreground until Ctrl-C or SIGTERM. A process that exits by itself is restarted with a notice;
// one that keeps failing to start stops everything, exit code 1. Arguments: `--replicas N`,
// `--dev` (services in watch mode instead of their builds, the client under `next dev`),
// `--no-client` (no web client: `/` lists the APIs), `--follow ID` (the console shows only the service
// lines of one order, by its order id, or of one trace, by its trace id: see LogFollower; the log files
// keep every line). Settings come from the environment (see README.md):
//   REPLICAS                            instances of each service (like --replicas)
//   CLIENT                              0: no web client (like --no-client)
//   GATEWAY_PORT                        where the system is reached (3000)
//   SERVICE_BASE_PORT                   services' ports: auth on it, tickets 100 above, ... (3100)
//   MONGO_URI / NATS_URL / REDIS_URL    use a server that already runs instead of starting one
//   MONGO_PORT / NATS_PORT / REDIS_PORT ports to start on (27018 / 4223 / 6380: next to the
//                                       usual 27017 / 4222 / 6379, which this machine may be using)
//   STRIPE_PORT                         the fake Stripe API's port (12111)
//   STRIPE_SECRET_KEY                   use real Stripe (with STRIPE_WEBHOOK_SECRET) instead of the fake
//   MAIL_SMTP_PORT                      the mail sink's SMTP port (2525); its inbox is at /mail
//   JWT_PRIVATE_KEY                     auth's session signing key, a private JWK with its kid (else a key
//                                       pair generated once in the data dir)
//   JWT_PUBLIC_KEYS                     with JWT_PRIVATE_KEY: the JWKS every service verifies sessions
//                                       with (else JWT_PRIVATE_KEY's public half alone)
//   STACK_DATA_DIR                      where data and logs are kept (.data at the repository root)
// Every other variable (LOG_LEVEL, EXPIRATION_WINDOW_SECONDS, ...) reaches the services as it is.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { staleBuilds } from './build';
import { compactLogLine, FOLLOWABLE_ID, LogFollower, logLevelOf } from './log-lines';
import { repoRoot, SERVICE_NAMES, type ServiceName } from './services';
import {
  StackStartError,
  stackJwtKeys,
  startStack,
  type InfrastructureName,
  type ServerChoice,
  type Stack,
} from './index';

const PARENT_CHECK_INTERVAL_MS = 500;
const MAX_REPLICAS = 20;
const WARN_LEVEL = 40;

const infrastructureSettings: Record<
  InfrastructureName,
  { urlVariable: string; portVariable: string; defaultPort: number }
> = {
  mongo: { urlVariable: 'MONGO_URI', portVariable: 'MONGO_PORT', defaultPort: 27018 },
  nats: { urlVariable: 'NATS_URL', portVariable: 'NATS_PORT', defaultPort: 4223 },
  redis: { urlVariable: 'REDIS_URL', portVariable: 'REDIS_PORT', defaultPort: 6380 },
};

/** What to change when a component cannot start, shown after its error. */
const hints: Record<string, string> = {
  mongo: 'settings: MONGO_PORT, or MONGO_URI to use a running server',
  nats: 'settings: NATS_PORT, or NATS_URL to use a running server',
  redis: 'settings: REDIS_PORT, or REDIS_URL to use a running server',
  gateway: 'setting: GATEWAY_PORT',
  stripe: 'setting: STRIPE_PORT',
  mail: 'setting: MAIL_SMTP_PORT',
  client: 'to start without it: --no-client or CLIENT=0',
};

function fail(message: string): never {
  console.error(`npm start: ${message}`);
  process.exit(1);
}

function integerSetting(name: string, text: string | undefined, defaultValue: number, min: number, max: number) {
  if (text === undefined || text === '') return defaultValue;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    fail(`${name} must be a whole number from ${min} to ${max}, got '${text}'`);
  }
  return value;
}

function portSetting(variable: string, defaultPort: number): number {
  const text = process.env[variable];
  if (text === undefined || text === '') return defaultPort;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail(`${variable} must be a port number from 1 to 65535, got '${text}'`);
  }
  return port;
}

function serverChoice(name: InfrastructureName): ServerChoice {
  const { urlVariable, portVariable, defaultPort } = infrastructureSettings[name];
  const url = process.env[urlVariable];
  if (url) return { url };
  return { port: portSetting(portVariable, defaultPort) };
}

function parseArguments(): { replicas: number; dev: boolean; client: boolean; follow?: string } {
  let values: { replicas?: string; dev?: boolean; 'no-client'?: boolean; follow?: string };
  try {
    ({ values } = parseArgs({
      options: {
        replicas: { type: 'string' },
        dev: { type: 'boolean' },
        'no-client': { type: 'boolean' },
        follow: { type: 'string' },
      },
    }));
  } catch (error) {
    fail(`${(error as Error).message}; usage: npm start [-- --replicas N] [--no-client] [--follow ORDER_OR_TRACE_ID]`);
  }
  const [name, text] =
    values.replicas !== undefined ? ['--replicas', values.replicas] : ['REPLICAS', process.env.REPLICAS];
  const replicas = integerSetting(name, text, 1, 1, MAX_REPLICAS);
  const follow = values.follow?.toLowerCase();
  if (follow !== undefined && !FOLLOWABLE_ID.test(follow)) {
    fail(`--follow takes an order id (24 hex digits) or a trace id (32 hex digits), got '${values.follow}'`);
  }
  return { replicas, dev: values.dev ?? false, client: !values['no-client'] && clientSetting(), follow };
}

function clientSetting(): boolean {
  const text = process.env.CLIENT;
  if (text === undefined || text === '' || text === '1') return true;
  if (text === '0') return false;
  fail(`CLIENT must be 0 (no web client) or 1, got '${text}'`);
}

/**
 * Builds the services (and what they are built on) when missing or stale (see staleBuilds); false if
 * the build failed. The client's build is the stack's to make (see startClient).
 */
function buildIfStale(): Promise<boolean> {
  const stale = staleBuilds();
  if (stale.length === 0) return Promise.resolve(true);
  console.log(`building: dist/ missing or older than the sources in ${stale.join(', ')} (npm run build)`);
  // In the order staleBuilds gives them, which npm keeps: common before the services using it.
  const workspaces = stale.flatMap((workspace) => ['--workspace', workspace]);
  return new Promise((resolve) => {
    const build = spawn('npm', ['run', 'build', '--silent', ...workspaces], { cwd: repoRoot, stdio: 'inherit' });
    build.once('error', () => resolve(false));
    build.once('exit', (code) => resolve(code === 0));
  });
}

async function main(): Promise<void> {
  const { replicas, dev, client, follow } = parseArguments();
  const follower = follow === undefined ? undefined : new LogFollower(follow);
  const dataDir = path.resolve(process.env.STACK_DATA_DIR || path.join(repoRoot, '.data'));
  const gatewayPort = portSetting('GATEWAY_PORT', 3000);
  const serviceBasePort = portSetting('SERVICE_BASE_PORT', 3100);
  const servicePorts = Object.fromEntries(
    SERVICE_NAMES.map((name, index) => [name, serviceBasePort + 100 * index]),
  ) as Record<ServiceName, number>;
  if (serviceBasePort + 100 * (SERVICE_NAMES.length - 1) + replicas - 1 > 65535) {
    fail(`SERVICE_BASE_PORT ${serviceBasePort} leaves no room for the services' ports`);
  }
  const realStripe = Boolean(process.env.STRIPE_SECRET_KEY);
  if (realStripe && !process.env.STRIPE_WEBHOOK_SECRET) {
    fail('STRIPE_SECRET_KEY is set (real Stripe), so STRIPE_WEBHOOK_SECRET must be set too');
  }
  const fakeStripePort = portSetting('STRIPE_PORT', 12111);
  const mailSmtpPort = portSetting('MAIL_SMTP_PORT', 2525);
  const choices = { mongo: serverChoice('mongo'), nats: serverChoice('nats'), redis: serverChoice('redis') };

  let stack: Stack | undefined;
  let exitCode: number | undefined; // set by the first request to stop
  const stopAndExit = async (running: Stack, code: number) => {
    console.log('stopping: gateway, client, services, mail sink, fake Stripe, servers');
    await running.stop();
    console.log('stopped');
    process.exit(code);
  };
  // A request during start-up is carried out once startStack has settled (below), so a
  // Ctrl-C while starting still stops whatever has started. A second one does not wait:
  // exiting kills what still runs (see child-server.ts).
  const requestStop = (code: number) => {
    if (exitCode !== undefined) {
      console.error('npm start: stopping at once');
      process.exit(1);
    }
    exitCode = code;
    if (stack) void stopAndExit(stack, code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => requestStop(0));
  // `npm start` runs this under `sh -c`, and a SIGTERM to npm ends only that shell, never
  // reaching us: a new parent process means the one that started us is gone, so stop too.
  const parentAtStart = process.ppid;
  setInterval(() => {
    if (process.ppid !== parentAtStart && exitCode === undefined) requestStop(0);
  }, PARENT_CHECK_INTERVAL_MS).unref();

  if (!dev && !(await buildIfStale())) fail('the build failed (see above)');
  if (exitCode !== undefined) process.exit(exitCode);

  const prefixWidth = Math.max(...SERVICE_NAMES.map((name) => name.length)) + (replicas > 1 ? 3 : 0);
  try {
    stack = await startStack({
      dataDir,
      ...choices,
      runMode: dev ? 'watch' : 'build',
      client,
      replicas,
      servicePorts,
      gatewayPort,
      fakeStripe: realStripe ? false : { port: fakeStripePort },
      mailSmtpPort,
      jwtKeys: process.env.JWT_PRIVATE_KEY
        ? stackJwtKeys(process.env.JWT_PRIVATE_KEY, process.env.JWT_PUBLIC_KEYS || undefined)
        : undefined,
      onServiceLine: (instance, line) => {
        // Every instance reports each step of its shutdown; while stopping only trouble is worth showing.
        if (exitCode !== undefined && logLevelOf(line) < WARN_LEVEL) return;
        if (follower && !follower.shows(line)) return;
        console.log(`${instance.padEnd(prefixWidth)} | ${compactLogLine(line)}`);
      },
      onNotice: (message) => console.log(message),
      onGiveUp: (message) => {
        console.error(`npm start: ${message}; stopping everything`);
        requestStop(1);
      },
    });
  } catch (error) {
    if (!(error instanceof StackStartError)) throw error;
    // Stopped while starting (a Ctrl-C also ends a client build): what failed of it is no news.
    if (exitCode !== undefined) {
      console.log('stopped');
      process.exit(exitCode);
    }
    const servicePortBusy = error.message.startsWith('port ') && error.component in servicePorts;
    const hint = hints[error.component] ?? (servicePortBusy ? 'setting: SERVICE_BASE_PORT' : undefined);
    fail(hint ? `${error.message} (${hint})` : error.message);
  }
  if (exitCode !== undefined) return stopAndExit(stack, exitCode);

  const shown = (file: string) => {
    const relative = path.relative(process.cwd(), file);
    return relative.startsWith('..') ? file : relative || '.';
  };
  const width = prefixWidth;
  for (const name of ['mongo', 'nats', 'redis'] as const) {
    const where = stack.startedInfrastructure.includes(name)
      ? `data in ${shown(path.join(dataDir, name))}`
      : `from ${infrastructureSettings[name].urlVariable}, not started here`;
    console.log(`${name.padEnd(width)}   ${stack.infrastructure[name]}  (${where})`);
  }
  console.log(
    stack.fakeStripe
      ? `${'stripe'.padEnd(width)}   ${stack.fakeStripe.url}  (fake Stripe API; webhooks to ${stack.fakeStripe.webhookUrl})`
      : `${'stripe'.padEnd(width)}   real Stripe (STRIPE_SECRET_KEY)`,
  );
  console.log(
    `${'mail'.padEnd(width)}   ${stack.mail.smtpUrl}  (mail sink; inbox at http://localhost:${gatewayPort}/mail, ` +
      `data in ${shown(stack.mail.dataDir)})`,
  );
  for (const instance of stack.instances) {
    console.log(`${instance.name.padEnd(width)}   http://localhost:${instance.port}`);
  }
  console.log(
    stack.client
      ? `${'client'.padEnd(width)}   http://localhost:${stack.client.port}  (${dev ? 'next dev' : 'next start'})`
      : `${'client'.padEnd(width)}   not started (--no-client or CLIENT=0)`,
  );
  console.log(`logs in ${shown(stack.logsDir)}${path.sep}`);
  const url = `http://localhost:${gatewayPort}`;
  const mode = dev ? ', services in watch mode' : '';
  const copies = replicas > 1 ? `, ${replicas} instances of each service${stack.client ? ' (one client)' : ''}` : '';
  const site = stack.client ? `${url} (the APIs: ${url}/api)` : `${url} (no web client: / lists the APIs)`;
  console.log(`Ticketing is ready at ${site}${copies}${mode}. Ctrl-C stops everything.`);
  if (follow) console.log(`showing only the service lines of order or trace ${follow} (--follow)`);
}

void main();
