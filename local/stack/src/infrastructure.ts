import { accessSync, appendFileSync, constants, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startEmbeddedMongo } from '@ticketing/embedded-mongo';
import { startChildServer, type ChildServer } from './child-server';
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
  /** Each restart of NATS or Redis after it exited by itself, and each return (see ChildServerSpec.onNotice). */
  onNotice?: (message: string) => void;
  /** NATS or Redis keeps failing to start again: restarts are given up (see ChildServerSpec.onGiveUp). */
  onGiveUp?: (message: string) => void;
}

export interface InfrastructureUrls {
  mongo: string;
  nats: string;
  redis: string;
}

export type InfrastructureName = keyof InfrastructureUrls;

/** The servers that run as child processes; MongoDB is an engine inside the launcher's own process. */
export type ServerProcessName = 'nats' | 'redis';

export interface Infrastructure {
  /** Where each server is reached, whether it was started here or given as a URL. */
  urls: InfrastructureUrls;
  /** The servers started here, in start order. */
  started: InfrastructureName[];
  /** NATS and Redis if started here: supervised, restarted when they exit by themselves. */
  processes: ChildServer[];
  /**
   * Kills a server started here at once (SIGKILL, an abrupt loss), deletes its data if asked (NATS's
   * JetStream store, Redis's append-only file), starts it again on the same port and resolves once
   * it answers again. Rejects for a server given by URL.
   */
  restartServer(name: ServerProcessName, options?: { wipeData?: boolean }): Promise<void>;
  /** Stops what was started here, last started first. */
  stop(): Promise<void>;
}

/** Every server listens on loopback only: the stack is for this machine. */
export const HOST = '127.0.0.1';

/**
 * Starts MongoDB (the embedded engine, in this process), NATS with JetStream and Redis
 * (child processes), each with its data under `dataDir`, and resolves once each answers.
 * Ports and binaries are checked before anything starts; if a server still fails to
 * start, the ones already started are stopped and a StackStartError says why. Once started,
 * NATS and Redis are supervised: restarted with the same port and data when they exit by themselves.
 */
export async function startInfrastructure(options: InfrastructureOptions): Promise<Infrastructure> {
  const natsServer = options.binaries?.natsServer ?? 'nats-server';
  const redisServer = options.binaries?.redisServer ?? 'redis-server';
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;
  const onNotice = options.onNotice ?? (() => undefined);
  const onGiveUp = options.onGiveUp ?? (() => undefined);
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
  const processes: Partial<Record<ServerProcessName, { server: ChildServer; dataDir: string }>> = {};
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
        onNotice,
        onGiveUp,
      });
      stoppers.push(() => nats.stop());
      processes.nats = { server: nats, dataDir: storeDir };
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
        onNotice,
        onGiveUp,
      });
      stoppers.push(() => redis.stop());
      processes.redis = { server: redis, dataDir: dir };
      started.push('redis');
      redisUrl = `redis://${HOST}:${port}`;
    } else {
      redisUrl = options.redis.url;
    }

    const urls = { mongo: mongoUrl, nats: natsUrl, redis: redisUrl };
    const restartServer = async (name: ServerProcessName, restartOptions: { wipeData?: boolean } = {}) => {
      const supervised = processes[name];
      if (!supervised) throw new Error(`${name} was not started here: it is used at ${urls[name]}`);
      await supervised.server.restart({
        signal: 'SIGKILL',
        beforeStart: restartOptions.wipeData ? () => emptyDir(supervised.dataDir) : undefined,
      });
    };
    return {
      urls,
      started,
      processes: Object.values(processes).map(({ server }) => server),
      restartServer,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function emptyDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
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
