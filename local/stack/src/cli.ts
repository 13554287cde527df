// `npm start` runs this through scripts/start.mjs: the one-machine stack in the foreground
// until Ctrl-C or SIGTERM. Settings come from the environment:
//   MONGO_URI / NATS_URL / REDIS_URL    use a server that already runs instead of starting one
//   MONGO_PORT / NATS_PORT / REDIS_PORT ports to start on (27018 / 4223 / 6380: next to the
//                                       usual 27017 / 4222 / 6379, which this machine may be using)
//   STACK_DATA_DIR                      where data and logs are kept (.data at the repository root)
import path from 'node:path';
import { StackStartError, startStack, type InfrastructureName, type ServerChoice, type Stack } from './index';

const repoRoot = path.resolve(__dirname, '../../..');
const PARENT_CHECK_INTERVAL_MS = 500;

const settings: Record<InfrastructureName, { urlVariable: string; portVariable: string; defaultPort: number }> = {
  mongo: { urlVariable: 'MONGO_URI', portVariable: 'MONGO_PORT', defaultPort: 27018 },
  nats: { urlVariable: 'NATS_URL', portVariable: 'NATS_PORT', defaultPort: 4223 },
  redis: { urlVariable: 'REDIS_URL', portVariable: 'REDIS_PORT', defaultPort: 6380 },
};

function fail(message: string): never {
  console.error(`npm start: ${message}`);
  process.exit(1);
}

function serverChoice(name: InfrastructureName): ServerChoice {
  const { urlVariable, portVariable, defaultPort } = settings[name];
  const url = process.env[urlVariable];
  if (url) return { url };
  const text = process.env[portVariable];
  if (!text) return { port: defaultPort };
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail(`${portVariable} must be a port number from 1 to 65535, got '${text}'`);
  }
  return { port };
}

async function main(): Promise<void> {
  const dataDir = path.resolve(process.env.STACK_DATA_DIR || path.join(repoRoot, '.data'));
  const choices = { mongo: serverChoice('mongo'), nats: serverChoice('nats'), redis: serverChoice('redis') };

  let stack: Stack | undefined;
  let exitCode: number | undefined; // set by the first request to stop
  const stopAndExit = async (running: Stack, code: number) => {
    console.log(`stopping: ${[...running.started].reverse().join(', ')}`);
    await running.stop();
    console.log('stopped');
    process.exit(code);
  };
  // A request during startup is carried out once startStack has settled (below), so a
  // Ctrl-C while starting still stops whatever has started.
  const requestStop = (code: number) => {
    if (exitCode !== undefined) return;
    exitCode = code;
    if (stack) void stopAndExit(stack, code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => requestStop(0));
  // `npm start` runs this under `sh -c`, and a SIGTERM to npm ends only that shell, never
  // reaching us: a new parent process means the one that started us is gone, so stop too.
  const parentAtStart = process.ppid;
  setInterval(() => {
    if (process.ppid !== parentAtStart) requestStop(0);
  }, PARENT_CHECK_INTERVAL_MS).unref();

  try {
    stack = await startStack({
      dataDir,
      ...choices,
      onCrash: (message) => {
        console.error(`npm start: ${message}; stopping the stack`);
        requestStop(1);
      },
    });
  } catch (error) {
    if (!(error instanceof StackStartError)) throw error;
    // Undefined for a component that is not one of the infrastructure servers.
    const setting = settings[error.component as InfrastructureName];
    const hint = setting
      ? ` (settings: ${setting.portVariable}, or ${setting.urlVariable} to use a running server)`
      : '';
    fail(`${error.message}${hint}`);
  }
  if (exitCode !== undefined) return stopAndExit(stack, exitCode);

  const shown = (dir: string) => path.relative(process.cwd(), dir) || '.';
  for (const name of ['mongo', 'nats', 'redis'] as const) {
    const where = stack.started.includes(name)
      ? `data in ${shown(path.join(dataDir, name))}, log in ${shown(path.join(dataDir, 'logs', `${name}.log`))}`
      : `from ${settings[name].urlVariable}, not started here`;
    console.log(`${name.padEnd(5)} ${stack.urls[name]}  (${where})`);
  }
  const started = stack.started.length > 0 ? stack.started.join(', ') : 'nothing';
  console.log(
    `started: ${started}; no services yet (auth, tickets, orders, payments, expiration and client are not built yet). ` +
      'Ctrl-C stops everything.',
  );
}

void main();
