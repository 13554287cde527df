import { accessSync, appendFileSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';
import { startEmbeddedMongo } from '@ticketing/embedded-mongo';
import { startChildServer } from './child-server';
import { StackStartError } from './errors';
import { natsAnswers, portIsFree, redisAnswers } from './probes';

/** Start the server on this port, or use one that already runs at this URL. */
export type ServerChoice = { port: number } | { url: string };

export interface InfrastructureOptions {
  /** Kept across runs: the servers' data in mongo/, nats/, redis/ and their logs in logs/. */
  dataDir: string;
  mongo: ServerChoice;
  nats: ServerChoice;
  redis: ServerChoice;
  /** Paths or PATH names of the server binaries. */
  binaries?: { natsServer?: string; redisServer?: string };
  /** How long a spawned server may take to answer; 15 s by default. */
  startTimeoutMs?: number;
  /** Called when a server exits by itself while it should be running. */
  onCrash?: (message: string) => void;
}

export interface InfrastructureUrls {
  mongo: string;
  nats: string;
  redis: string;
}

export type InfrastructureName = keyof InfrastructureUrls;

export interface Infrastructure {
  /** Where each server is reached, whether it was started here or given as a URL. */
  urls: InfrastructureUrls;
  /** The servers started here, in start order. */
  started: InfrastructureName[];
  /** Stops what was started here, last started first. */
  stop(): Promise<void>;
}

/** Every server listens on loopback only: the stack is for this machine. */
export const HOST = '127.0.0.1';

/**
 * Starts MongoDB (the embedded engine, in this process), NATS with JetStream and Redis
 * (child processes), each with its data under `dataDir`, and resolves once each answers.
 * Ports and binaries are checked before anything starts; if a server still fails to
 * start, the ones already started are stopped and a StackStartError says why.
 */
export async function startInfrastructure(options: InfrastructureOptions): Promise<Infrastructure> {
  const natsServer = options.binaries?.natsServer ?? 'nats-server';
  const redisServer = options.binaries?.redisServer ?? 'redis-server';
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;
  const onCrash = options.onCrash ?? (() => undefined);
  const logsDir = path.join(options.dataDir, 'logs');

  if ('port' in options.nats) requireBinary('nats', natsServer, 'nats-server');
  if ('port' in options.redis) requireBinary('redis', redisServer, 'redis-server');
  for (const name of ['mongo', 'nats', 'redis'] as const) {
    const choice = options[name];
    if ('port' in choice && !(await portIsFree(HOST, choice.port))) {
      throw new StackStartError(name, `port ${choice.port} for ${name} is already in use on ${HOST}`);
    }
  }

  const started: InfrastructureName[] = [];
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stoppers.splice(0).reverse()) await stopOne();
  };

  try {
    let mongoUrl: string;
    if ('port' in options.mongo) {
      const dataDir = path.join(options.dataDir, 'mongo');
      mkdirSync(logsDir, { recursive: true });
      const logFile = path.join(logsDir, 'mongo.log');
      const mongo = await startEmbeddedMongo({
        host: HOST,
        port: options.mongo.port,
        dataDir,
        log: (message) => appendFileSync(logFile, `${new Date().toISOString()} ${message}\n`),
      }).catch((error: Error) => {
        throw new StackStartError('mongo', `the embedded MongoDB did not start: ${error.message}`);
      });
      stoppers.push(() => mongo.stop());
      started.push('mongo');
      mongoUrl = mongo.uri;
    } else {
      mongoUrl = options.mongo.url;
    }

    let natsUrl: string;
    if ('port' in options.nats) {
      const { port } = options.nats;
      const storeDir = path.join(options.dataDir, 'nats');
      mkdirSync(storeDir, { recursive: true });
      const nats = await startChildServer({
        name: 'nats',
        command: natsServer,
        args: ['-js', '-a', HOST, '-p', String(port), '-sd', storeDir],
        logFile: path.join(logsDir, 'nats.log'),
        isReady: () => natsAnswers(HOST, port),
        startTimeoutMs,
        onUnexpectedExit: onCrash,
      });
      stoppers.push(() => nats.stop());
      started.push('nats');
      natsUrl = `nats://${HOST}:${port}`;
    } else {
      natsUrl = options.nats.url;
    }

    let redisUrl: string;
    if ('port' in options.redis) {
      const { port } = options.redis;
      const dir = path.join(options.dataDir, 'redis');
      mkdirSync(dir, { recursive: true });
      const redis = await startChildServer({
        name: 'redis',
        command: redisServer,
        // Append-only file only: BullMQ's jobs must survive a restart, RDB snapshots add nothing.
        args: ['--port', String(port), '--bind', HOST, '--dir', dir, '--appendonly', 'yes', '--save', ''],
        logFile: path.join(logsDir, 'redis.log'),
        isReady: () => redisAnswers(HOST, port),
        startTimeoutMs,
        onUnexpectedExit: onCrash,
      });
      stoppers.push(() => redis.stop());
      started.push('redis');
      redisUrl = `redis://${HOST}:${port}`;
    } else {
      redisUrl = options.redis.url;
    }

    return { urls: { mongo: mongoUrl, nats: natsUrl, redis: redisUrl }, started, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Fails with an installation hint unless `command` is an executable path or on PATH. */
function requireBinary(component: string, command: string, debianPackage: string): void {
  const candidates = command.includes('/')
    ? [command]
    : (process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, command));
  const found = candidates.some((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!found) {
    const where = command.includes('/')
      ? `${command} does not exist or is not executable`
      : `${command} is not on PATH`;
    throw new StackStartError(component, `${where}; install it (Debian/Ubuntu: apt-get install ${debianPackage})`);
  }
}
