import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { firstLineAnswered, portIsFree } from '../src/probes';

/** Distinct free loopback ports, held open together while choosing so none repeats. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  for (let i = 0; i < count; i++) servers.push(await listenOn(0));
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** A TCP server that keeps `port` busy on 127.0.0.1 (port 0: any free port). */
export function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

export async function makeTempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'ticketing-stack-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Whether none of the ports has a listener any more, i.e. every server is gone. */
export async function allFree(ports: number[]): Promise<boolean> {
  const free = await Promise.all(ports.map((port) => portIsFree('127.0.0.1', port)));
  return free.every(Boolean);
}

/**
 * Whether the process exists and has not died: a zombie waits only for its parent to collect it
 * (read from Linux's /proc).
 */
export function isRunning(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0];
    return state !== 'Z';
  } catch {
    return false;
  }
}

/** The pid of the process listening on a TCP port of 127.0.0.1, found through Linux's /proc. */
export function pidListeningOn(port: number): number | undefined {
  const address = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const LISTEN = '0A';
  const sockets = new Set(
    readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[1] === address && fields[3] === LISTEN)
      .map((fields) => `socket:[${fields[9]}]`),
  );
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let descriptors: string[];
    try {
      descriptors = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // Gone meanwhile.
    }
    for (const descriptor of descriptors) {
      try {
        if (sockets.has(readlinkSync(`/proc/${pid}/fd/${descriptor}`))) return Number(pid);
      } catch {
        // Closed meanwhile.
      }
    }
  }
  return undefined;
}

/** Sends one Redis command in inline form and resolves with the first line of the reply. */
export function redisCommand(port: number, command: string): Promise<string | undefined> {
  return firstLineAnswered('127.0.0.1', port, `${command}\r\n`);
}

/** The number of messages in each JetStream stream, by name, read on a connection of its own. */
export async function streamMessages(natsUrl: string): Promise<Record<string, number>> {
  const nats = await connect({ servers: natsUrl });
  try {
    const streams = await (await jetstreamManager(nats)).streams.list().next();
    return Object.fromEntries(streams.map((stream) => [stream.config.name, stream.state.messages]));
  } finally {
    await nats.close();
  }
}

/** Polls `condition` until it holds; fails after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Calls `attempt` until it returns something other than undefined, and resolves with that;
 * fails after `timeoutMs` saying what was waited for.
 */
export async function eventually<T>(
  description: string,
  attempt: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await attempt();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A user of the system over HTTP, keeping its session cookie like a browser. */
export class HttpUser {
  private cookie: string | undefined;

  constructor(
    private readonly baseUrl: string,
    readonly email: string,
  ) {}

  /** Another user agent with the same session, e.g. after the stack has restarted. */
  withBaseUrl(baseUrl: string): HttpUser {
    const copy = new HttpUser(baseUrl, this.email);
    copy.cookie = this.cookie;
    return copy;
  }

  /** The JSON body is taken to be a T without checking: the test's assertions check it. */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.cookie ? { cookie: this.cookie } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const session = response.headers.getSetCookie().find((cookie) => cookie.startsWith('session='));
    if (session) this.cookie = session.split(';')[0];
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, body: (type.includes('json') ? JSON.parse(text) : text) as T };
  }
}
