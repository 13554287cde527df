import { get } from 'node:http';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';

/** Whether host:port can be listened on, found by listening there for a moment. */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(false);
      else reject(error);
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Opens a TCP connection, sends `request` if given, and resolves with the first line the
 * server answers (without CRLF), or undefined when it does not answer within `timeoutMs`
 * or refuses the connection. Enough to tell whether NATS or Redis serve clients.
 */
export function firstLineAnswered(
  host: string,
  port: number,
  request: string | undefined,
  timeoutMs = 1000,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let received = '';
    const finish = (line: string | undefined) => {
      socket.destroy();
      resolve(line);
    };
    socket.setTimeout(timeoutMs, () => finish(undefined));
    socket.on('error', () => finish(undefined));
    socket.on('close', () => finish(undefined));
    socket.on('connect', () => {
      if (request !== undefined) socket.write(request);
    });
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n');
      if (end >= 0) finish(received.slice(0, end));
    });
  });
}

/** NATS greets every client with an INFO line. */
export async function natsAnswers(host: string, port: number): Promise<boolean> {
  return (await firstLineAnswered(host, port, undefined))?.startsWith('INFO ') ?? false;
}

/** Redis answers PING with +PONG once it has loaded its data (before that: -LOADING). */
export async function redisAnswers(host: string, port: number): Promise<boolean> {
  return (await firstLineAnswered(host, port, 'PING\r\n')) === '+PONG';
}

/** Whether a GET of `url` answers 200 within `timeoutMs` (a service's /readyz). */
export function answersOk(url: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get(url, { timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

/** `count` distinct ports that are free on `host` right now, chosen by the system. */
export async function pickFreePorts(host: string, count: number): Promise<number[]> {
  // All held open together while choosing, so that none is handed out twice.
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen({ host, port: 0, exclusive: true }, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** `count` free ports, distinct from every port picked before by the same picker. */
export type PortPicker = (count: number) => Promise<number[]>;

/**
 * Picks free ports one component at a time, never one it handed out before nor one in `taken`.
 * A port is free when picked but bound only later, by a process that is still starting; the
 * system may offer the same port again meanwhile, and two components on one port would have one
 * component's readiness answered by the other.
 */
export function portPicker(host: string, taken: Iterable<number> = []): PortPicker {
  const handedOut = new Set(taken);
  return async (count) => {
    const ports: number[] = [];
    while (ports.length < count) {
      for (const port of await pickFreePorts(host, count - ports.length)) {
        if (handedOut.has(port)) continue;
        handedOut.add(port);
        ports.push(port);
      }
    }
    return ports;
  };
}
