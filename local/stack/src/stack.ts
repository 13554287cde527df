import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { startFakeStripe, type FakeStripe } from '@ticketing/fake-stripe';
import { startMailSink, type MailSink } from '@ticketing/mail-sink';
import { startChildServer, type ChildServer } from './child-server';
import { startClient } from './client';
import { StackStartError } from './errors';
import { startGateway } from './gateway';
import {
  HOST,
  startInfrastructure,
  type InfrastructureUrls,
  type ServerChoice,
  type ServerProcessName,
} from './infrastructure';
import { developmentJwtKeys, type StackJwtKeys } from './jwt-keys';
import { landingPage } from './landing-page';
import { compactLogLine } from './log-lines';
import { answersOk, portIsFree, portPicker, type PortPicker } from './probes';
import {
  repoRoot,
  SERVICE_APIS,
  SERVICE_NAMES,
  serviceCommand,
  serviceEnvironment,
  type RunMode,
  type ServiceApi,
  type ServiceName,
} from './services';
import { restartOnChanges, WATCH_MODE_RESTART_POLICY } from './watch';

export interface StackOptions {
  /** Kept across runs: each server's data, the dev JWT key pair and the logs (in logs/). */
  dataDir: string;
  /** Each server to start on a port (0: any free one, the default) or to use at a URL. */
  mongo?: ServerChoice;
  nats?: ServerChoice;
  redis?: ServerChoice;
  /** Paths or PATH names of the server binaries. */
  binaries?: { natsServer?: string; redisServer?: string };
  /**
   * How the services run; `build` (the compiled dist/) by default. In `watch` mode the instances
   * of a service are restarted, one after the other, when a file of its src/ or of common/src is
   * created, changed, replaced or deleted.
   */
  runMode?: RunMode;
  /**
   * The Next.js web client behind the gateway, which sends it every path outside /api: `next
   * start` on its production build (made first when missing or stale) in `build` and `source`
   * mode, `next dev` with hot reload in `watch` mode. One instance, whatever `replicas` says.
   * Started by default in `build` and `watch` mode; in `source` mode (tests) only when asked.
   */
  client?: boolean;
  /** Instances of each service, sharing its database and durable consumers; 1 by default. */
  replicas?: number;
  /** Port of each service's first instance; the next replicas take the ports after it. Unset or 0: any free ports. */
  servicePorts?: Partial<Record<ServiceName, number>>;
  /** 0 (the default): any free port. */
  gatewayPort?: number;
  /**
   * The fake Stripe API on this port (0, the default: any free one), its webhooks sent through
   * the gateway to payments; `false` leaves STRIPE_* to the environment (real Stripe).
   */
  fakeStripe?: { port: number } | false;
  /**
   * The SMTP port of the mail sink on loopback (0, the default: any free one). The sink keeps every
   * message the services send in `<dataDir>/mail` and the gateway serves its inbox at /mail.
   */
  mailSmtpPort?: number;
  /** Sign (auth) and verify (every service) session JWTs; by default a key pair generated once and kept in the data dir. */
  jwtKeys?: StackJwtKeys;
  /** Orders' reservation window; unset keeps the service's default (900 s) or the environment's. */
  expirationWindowSeconds?: number;
  /** LOG_LEVEL of the services; unset keeps theirs (info) or the environment's. */
  logLevel?: string;
  /** How long a server may take to answer; 15 s by default. */
  infrastructureStartTimeoutMs?: number;
  /** How long a service instance (/readyz) or the client (/healthz, once built) may take to be ready; 60 s by default. */
  serviceStartTimeoutMs?: number;
  /**
   * Every line a service instance or the client (`client`, its build included) writes (its log
   * file gets them all in any case), and the gateway's proxy errors (`gateway`).
   */
  onServiceLine?: (instance: string, line: string) => void;
  /**
   * One line for each restart of a process that exited by itself (a service instance, the client,
   * NATS or Redis: each is started again with the same port, data and environment, after a wait of
   * 0.5 s doubling up to 10 s for restarts in a row) and one when it is back: `orders#2 was killed
   * by SIGKILL; restarting in 0.5 s (restart 1)`, `orders#2 is back`. In watch mode also each
   * restart for a change of the sources: `orders: src/routes/show.ts changed, restarting`.
   */
  onNotice?: (message: string) => void;
  /**
   * Called once when restarts of a process are given up: it exited before it was ready 5 times in a
   * row. The stack is no longer whole; the caller should stop it. (In watch mode a service that
   * fails to start is not given up: it waits for the next change of its sources, told by onNotice.)
   */
  onGiveUp?: (message: string) => void;
}

export interface ServiceInstance {
  service: ServiceName;
  /** `orders`, or `orders#2` when there are replicas. */
  name: string;
  port: number;
  logFile: string;
}

export interface Stack {
  /** The gateway: everything is reached through it. */
  url: string;
  infrastructure: InfrastructureUrls;
  /** The servers started here (not given by URL), in start order. */
  startedInfrastructure: string[];
  /** The fake Stripe API, if it runs; `api` is its state (charges, refunds, events) for tests to check. */
  fakeStripe?: { url: string; webhookUrl: string; api: FakeStripe };
  /** The mail sink: where the services send (`smtpUrl`), its inbox through the gateway, and the sink itself for tests. */
  mail: { smtpUrl: string; inboxUrl: string; dataDir: string; sink: MailSink };
  instances: ServiceInstance[];
  /** The web client, if it runs: reached through the gateway's `url`, or directly here. */
  client?: { port: number; url: string; logFile: string };
  logsDir: string;
  /** The session keys the services were given: sign a session as auth would with `privateKey`. */
  jwtKeys: StackJwtKeys;
  /**
   * The OS pid of a supervised process, by its name as in messages: a service instance (`orders`,
   * or `orders#2` with replicas), `client`, and `nats` and `redis` when started here (MongoDB is an
   * engine inside the launcher's own process). Undefined while it has no process (waiting to be
   * restarted); set while its process runs, ready or still starting. Throws for an unknown name.
   */
  pid(name: string): number | undefined;
  /**
   * Sends `signal` to a supervised process (see pid for the names); one that exits from it is
   * restarted as after any crash. After SIGTERM or SIGINT a service instance gets no new requests
   * from the gateway until it is up again, as a terminating pod leaves its Service. Throws for an
   * unknown name and when the process is not running.
   */
  kill(name: string, signal: NodeJS.Signals): void;
  /**
   * Kills NATS or Redis at once (SIGKILL, an abrupt loss), deletes its data if asked (NATS's
   * JetStream store, Redis's append-only file) so that it comes back empty, starts it again on the
   * same port without waiting, and resolves once it answers again.
   */
  restartServer(name: ServerProcessName, options?: { wipeData?: boolean }): Promise<void>;
  /**
   * Resolves once a supervised process (see pid for the names) is running and ready (a service:
   * its /readyz answers 200): at once if it is, or, after kill() sent it a signal that ends a
   * process, once the process started after it is. Rejects after `timeoutMs` (60 s by default),
   * and when its restarts are given up or the stack is stopped.
   */
  whenUp(name: string, timeoutMs?: number): Promise<void>;
  /** Stops everything: gateway, client and services, the mail sink, fake Stripe, then the servers. */
  stop(): Promise<void>;
}

const FAKE_STRIPE_SECRET_KEY = 'sk_test_local_stack';

/**
 * Starts the whole system on this machine: MongoDB, NATS and Redis (see startInfrastructure),
 * the fake Stripe API, the mail sink, every service (each instance waited for until its /readyz answers 200),
 * the web client if asked (see StackOptions.client) and the gateway in front of them. Anything
 * that keeps it from starting (a busy port, a missing binary or build, a client build that
 * fails, a service or client that exits or is not ready in time) stops what had started and
 * throws a StackStartError saying why in one line. Once started, every child process is supervised
 * (see StackOptions.onNotice and onGiveUp).
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const runMode = options.runMode ?? 'build';
  const withClient = options.client ?? runMode !== 'source';
  const replicas = options.replicas ?? 1;
  const logsDir = path.join(options.dataDir, 'logs');
  mkdirSync(logsDir, { recursive: true });

  if (runMode === 'build') requireBuilds();
  const pickPorts = portPicker(HOST, chosenPorts(options, replicas));
  const mongo = await resolvedChoice(options.mongo, pickPorts);
  const nats = await resolvedChoice(options.nats, pickPorts);
  const redis = await resolvedChoice(options.redis, pickPorts);
  const instances = await planInstances(options.servicePorts ?? {}, replicas, logsDir, pickPorts);
  const gatewayPort = await resolvedPort('gateway', options.gatewayPort ?? 0, pickPorts);
  const clientPort = withClient ? (await pickPorts(1))[0] : undefined;
  const fakeStripePort =
    options.fakeStripe === false ? undefined : await resolvedPort('stripe', options.fakeStripe?.port ?? 0, pickPorts);
  const mailSmtpPort = await resolvedPort('mail', options.mailSmtpPort ?? 0, pickPorts);
  const jwtKeys = options.jwtKeys ?? developmentJwtKeys(options.dataDir);

  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stoppers.splice(0).reverse()) await stopOne();
  };
  const onNotice = options.onNotice ?? (() => undefined);
  const onGiveUp = options.onGiveUp ?? (() => undefined);

  try {
    const infrastructure = await startInfrastructure({
      dataDir: options.dataDir,
      mongo,
      nats,
      redis,
      binaries: options.binaries,
      startTimeoutMs: options.infrastructureStartTimeoutMs,
      onNotice,
      onGiveUp,
    });
    stoppers.push(() => infrastructure.stop());

    const gatewayUrl = `http://${HOST}:${gatewayPort}`;
    let fakeStripe: Awaited<ReturnType<typeof startFakeStripe>> | undefined;
    if (fakeStripePort !== undefined) {
      fakeStripe = await startFakeStripe({
        port: fakeStripePort,
        secretKey: FAKE_STRIPE_SECRET_KEY,
        // Through the gateway, as Stripe reaches the ingress in production.
        webhookUrl: `${gatewayUrl}/api/payments/webhook`,
      });
      const started = fakeStripe;
      stoppers.push(() => started.stop());
    }

    const mailDataDir = path.join(options.dataDir, 'mail');
    const mailLogFile = path.join(logsDir, 'mail.log');
    const mailSink = await startMailSink({
      dataDir: mailDataDir,
      smtpPort: mailSmtpPort,
      logger: (message) => appendFileSync(mailLogFile, `${new Date().toISOString()} ${message}\n`),
    }).catch((error: Error) => {
      throw new StackStartError('mail', `the mail sink did not start: ${error.message}`);
    });
    stoppers.push(() => mailSink.close());

    const connections = {
      mongoUri: infrastructure.urls.mongo,
      natsUrl: infrastructure.urls.nats,
      redisUrl: infrastructure.urls.redis,
      jwtKeys,
      // Both names of this machine a browser may use for the gateway; the client is reached through it.
      publicOrigins: [gatewayUrl, `http://localhost:${gatewayPort}`],
      fakeStripe,
      smtpUrl: mailSink.smtpUrl,
      expirationWindowSeconds: options.expirationWindowSeconds,
      logLevel: options.logLevel,
    };
    const starts = instances.map((instance) => {
      const command = serviceCommand(instance.service, runMode);
      return startChildServer({
        name: instance.name,
        command: process.execPath,
        args: command.args,
        env: { ...command.env, ...serviceEnvironment(instance.service, instance.port, connections) },
        logFile: instance.logFile,
        onLine: (line) => options.onServiceLine?.(instance.name, line),
        describeLine: compactLogLine,
        isReady: () => answersOk(`http://${HOST}:${instance.port}/readyz`),
        startTimeoutMs: options.serviceStartTimeoutMs ?? 60_000,
        onNotice,
        ...(runMode === 'watch'
          ? { restartPolicy: WATCH_MODE_RESTART_POLICY, onGiveUp: (why) => onNotice(`${why}; waiting for a change`) }
          : { onGiveUp }),
      });
    });
    const clientLogFile = path.join(logsDir, 'client.log');
    if (clientPort !== undefined) {
      starts.push(
        startClient({
          runMode,
          port: clientPort,
          // Its server-side calls go through the gateway, as through the ingress in Kubernetes.
          apiBaseUrl: gatewayUrl,
          logFile: clientLogFile,
          onLine: (line) => options.onServiceLine?.('client', line),
          startTimeoutMs: options.serviceStartTimeoutMs ?? 60_000,
          onNotice,
          onGiveUp,
        }),
      );
    }
    // Every start is waited for, so that none is left running when another one fails.
    const results = await Promise.allSettled(starts);
    const servers: ChildServer[] = [];
    for (const result of results) if (result.status === 'fulfilled') servers.push(result.value);
    stoppers.push(async () => {
      await Promise.all(servers.map((server) => server.stop()));
    });
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    const processes = new Map<string, ChildServer>(
      [...infrastructure.processes, ...servers].map((server) => [server.name, server]),
    );
    const processNamed = (name: string): ChildServer => {
      const found = processes.get(name);
      if (!found) throw new Error(`no process named '${name}'; there are ${[...processes.keys()].join(', ')}`);
      return found;
    };

    // Ports of the instances kill() asked to stop, until they are up again (see the gateway's isStopping).
    const stoppingPorts = new Set<number>();
    const kill = (name: string, signal: NodeJS.Signals) => {
      const server = processNamed(name);
      server.kill(signal);
      const instance = instances.find((candidate) => candidate.name === name);
      if (instance && GRACEFUL_STOP_SIGNALS.has(signal)) {
        // Set in the same tick as the signal: no request goes to it in between.
        stoppingPorts.add(instance.port);
        void server
          .whenUp()
          .catch(() => undefined)
          .finally(() => stoppingPorts.delete(instance.port));
      }
    };

    const apis = Object.values(SERVICE_APIS) as ServiceApi[];
    const gateway = await startGateway({
      host: HOST,
      port: gatewayPort,
      routes: SERVICE_NAMES.filter((name) => SERVICE_APIS[name]).map((name) => ({
        prefix: SERVICE_APIS[name]!.prefix,
        service: name,
        ports: instances.filter((instance) => instance.service === name).map((instance) => instance.port),
      })),
      clientPorts: clientPort === undefined ? undefined : [clientPort],
      mailInbox: mailSink.handle,
      landingPage: landingPage(apis, { clientRuns: clientPort !== undefined, mailInbox: true }),
      onProxyError: (message) => options.onServiceLine?.('gateway', message),
      isStopping: (port) => stoppingPorts.has(port),
    });
    stoppers.push(() => gateway.stop());

    if (runMode === 'watch') {
      const watcher = await restartOnChanges(
        SERVICE_NAMES.map((service) => ({
          name: service,
          dir: path.join(repoRoot, service),
          // Every service loads common from its sources (see serviceCommand).
          sourceDirs: [path.join(repoRoot, service, 'src'), path.join(repoRoot, 'common/src')],
          servers: instances.filter((instance) => instance.service === service).map(({ name }) => processNamed(name)),
        })),
        onNotice,
      );
      stoppers.push(() => watcher.close());
    }

    return {
      url: gateway.url,
      infrastructure: infrastructure.urls,
      startedInfrastructure: infrastructure.started,
      fakeStripe: fakeStripe && {
        url: fakeStripe.url,
        webhookUrl: `${gatewayUrl}/api/payments/webhook`,
        api: fakeStripe,
      },
      mail: { smtpUrl: mailSink.smtpUrl, inboxUrl: `${gateway.url}/mail`, dataDir: mailDataDir, sink: mailSink },
      instances,
      client:
        clientPort === undefined
          ? undefined
          : { port: clientPort, url: `http://${HOST}:${clientPort}`, logFile: clientLogFile },
      logsDir,
      jwtKeys,
      pid: (name) => processNamed(name).pid(),
      kill,
      restartServer: (name, restartOptions) => infrastructure.restartServer(name, restartOptions),
      whenUp: (name, timeoutMs) => processNamed(name).whenUp(timeoutMs),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Services run from dist/ must have been built (`npm start` builds them when they are stale). */
function requireBuilds(): void {
  for (const name of SERVICE_NAMES) {
    const main = path.join(repoRoot, name, 'dist/main.js');
    if (!existsSync(main)) {
      throw new StackStartError(name, `${path.relative(repoRoot, main)} is missing; build it with npm run build`);
    }
  }
}

/** The signals asking a service to shut down gracefully, after which the gateway sends it nothing new. */
const GRACEFUL_STOP_SIGNALS = new Set<NodeJS.Signals>(['SIGTERM', 'SIGINT']);

/** A service's instances on a port chosen for the first one take the ports after it. */
function replicaPorts(firstPort: number, replicas: number): number[] {
  return Array.from({ length: replicas }, (_, index) => firstPort + index);
}

/** The ports the options name, which no component started on a free port may take. */
function chosenPorts(options: StackOptions, replicas: number): number[] {
  const servers = [options.mongo, options.nats, options.redis].map((choice) =>
    choice !== undefined && 'port' in choice ? choice.port : 0,
  );
  const firstServicePorts = Object.values(options.servicePorts ?? {}).filter((port) => port !== undefined);
  const servicePorts = firstServicePorts.flatMap((first) => replicaPorts(first, replicas));
  const others = [
    options.gatewayPort,
    options.fakeStripe === false ? 0 : options.fakeStripe?.port,
    options.mailSmtpPort,
  ];
  return [...servers, ...servicePorts, ...others].filter((port): port is number => port !== undefined && port !== 0);
}

/** A server choice with port 0 turned into a free port: servers are told their port, not asked for it. */
async function resolvedChoice(choice: ServerChoice = { port: 0 }, pickPorts: PortPicker): Promise<ServerChoice> {
  if ('url' in choice || choice.port !== 0) return choice;
  const [port] = await pickPorts(1);
  return { port };
}

async function resolvedPort(component: string, port: number, pickPorts: PortPicker): Promise<number> {
  if (port === 0) return (await pickPorts(1))[0];
  if (!(await portIsFree(HOST, port))) {
    throw new StackStartError(component, `port ${port} for ${component} is already in use on ${HOST}`);
  }
  return port;
}

/** Every instance with its port, checked free before anything starts. */
async function planInstances(
  firstPorts: Partial<Record<ServiceName, number>>,
  replicas: number,
  logsDir: string,
  pickPorts: PortPicker,
): Promise<ServiceInstance[]> {
  const instances: ServiceInstance[] = [];
  for (const service of SERVICE_NAMES) {
    const firstPort = firstPorts[service] ?? 0;
    const ports = firstPort === 0 ? await pickPorts(replicas) : replicaPorts(firstPort, replicas);
    for (const [index, port] of ports.entries()) {
      const name = replicas > 1 ? `${service}#${index + 1}` : service;
      if (firstPort !== 0 && !(await portIsFree(HOST, port))) {
        throw new StackStartError(service, `port ${port} for ${name} is already in use on ${HOST}`);
      }
      const logName = replicas > 1 ? `${service}-${index + 1}.log` : `${service}.log`;
      instances.push({ service, name, port, logFile: path.join(logsDir, logName) });
    }
  }
  return instances;
}
