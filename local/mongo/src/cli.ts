#!/usr/bin/env node
import { startEmbeddedMongo } from './server';

const usage = `Usage: embedded-mongo [--port 27017] [--host 127.0.0.1] [--data-dir DIR] [--repl-set rs0]

Starts an in-process MongoDB-compatible server (for tests and the one-machine stack).
Without --data-dir the data lives in memory only.`;

function parseArgs(argv: string[]): { port: number; host: string; dataDir?: string; replSetName: string } {
  const options = { port: 27017, host: '127.0.0.1', dataDir: undefined as string | undefined, replSetName: 'rs0' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const needValue = () => {
      if (value === undefined || value.startsWith('--')) fail(`${flag} needs a value`);
      i++;
      return value;
    };
    if (flag === '--help' || flag === '-h') {
      console.log(usage);
      process.exit(0);
    } else if (flag === '--port') {
      const port = Number(needValue());
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        fail(`--port must be an integer from 0 to 65535, got '${value}'`);
      options.port = port;
    } else if (flag === '--host') options.host = needValue();
    else if (flag === '--data-dir') options.dataDir = needValue();
    else if (flag === '--repl-set') options.replSetName = needValue();
    else fail(`unknown option '${flag}'`);
  }
  return options;
}

function fail(message: string): never {
  console.error(`embedded-mongo: ${message}\n\n${usage}`);
  process.exit(2);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const log = (message: string) => console.error(`embedded-mongo: ${message}`);
  let mongo;
  try {
    mongo = await startEmbeddedMongo({ ...options, log });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') fail(`port ${options.port} on ${options.host} is already in use`);
    fail((error as Error).message);
  }
  console.log(
    `embedded-mongo listening on ${mongo.uri}${options.dataDir ? ` (data in ${options.dataDir})` : ' (in memory)'}`,
  );
  const shutdown = () => {
    void mongo.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

void main();
