import { Agent, createServer, get, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createShutdown, LiveStreams, ShutdownStep } from '.';
import { captureLogs } from '../testing/log-capture';

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

describe('createShutdown', () => {
  it('closes the server, then runs the steps in order, then exits 0', async () => {
    const events: string[] = [];
    const server = createServer((_req, res) => res.end('ok'));
    await listen(server);
    server.on('close', () => events.push('server closed'));
    const exit = jest.fn((code: number) => events.push(`exit ${code}`));
    const steps: ShutdownStep[] = [
      {
        name: 'listeners',
        run: async () => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          events.push('listeners');
        },
      },
      { name: 'nats', run: () => events.push('nats') },
      { name: 'mongo', run: async () => events.push('mongo') },
    ];
    const { logger, lines } = captureLogs();

    await createShutdown({ server, steps, logger, exit })('SIGTERM');

    expect(events).toEqual(['server closed', 'listeners', 'nats', 'mongo', 'exit 0']);
    expect(server.listening).toBe(false);
    expect(lines.map((line) => line.msg)).toEqual([
      'Shutting down',
      'HTTP server closed',
      'Shutdown step done',
      'Shutdown step done',
      'Shutdown step done',
      'Shutdown complete',
    ]);
    expect(lines[0]).toMatchObject({ reason: 'SIGTERM' });
  });

  it('lets an in-flight request finish, then does not wait for its keep-alive connection', async () => {
    let finishRequest: () => void = () => undefined;
    const server = createServer((_req, res) => {
      finishRequest = () => res.end('finished');
    });
    // Long enough that waiting for the idle connection to time out would fail the test.
    server.keepAliveTimeout = 20_000;
    const port = await listen(server);
    const agent = new Agent({ keepAlive: true });
    const responseBody = new Promise<string>((resolve, reject) => {
      get({ port, host: '127.0.0.1', agent }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const exit = jest.fn();

    const shutdownDone = createShutdown({ server, steps: [], logger: captureLogs().logger, exit })('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(exit).not.toHaveBeenCalled();
    const finishedAt = Date.now();
    finishRequest();

    expect(await responseBody).toBe('finished');
    await shutdownDone;
    expect(Date.now() - finishedAt).toBeLessThan(2000);
    expect(exit).toHaveBeenCalledWith(0);
    agent.destroy();
  });

  it('keeps answering on kept-alive connections for a moment, each answer closing its connection', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    const port = await listen(server);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const request = () =>
      new Promise<{ body: string; connection: string | undefined }>((resolve, reject) => {
        get({ port, host: '127.0.0.1', agent }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ body, connection: res.headers.connection }));
        }).on('error', reject);
      });
    expect(await request()).toEqual({ body: 'ok', connection: 'keep-alive' });
    const exit = jest.fn();

    const shutdownDone = createShutdown({ server, steps: [], logger: captureLogs().logger, exit, drainMs: 2_000 })(
      'SIGTERM',
    );
    // The kept-alive connection is still served, and told to close rather than being closed under the client.
    expect(await request()).toEqual({ body: 'ok', connection: 'close' });
    await shutdownDone;
    expect(exit).toHaveBeenCalledWith(0);
    agent.destroy();
  });

  it('ends the live streams first, so an open stream does not hold the server: exits 0 at once', async () => {
    const liveStreams = new LiveStreams();
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write(': open\n\n');
      liveStreams.add(res);
    });
    const port = await listen(server);
    const stream = await new Promise<{ ended: Promise<void> }>((resolve, reject) => {
      get({ port, host: '127.0.0.1' }, (res) => {
        const ended = new Promise<void>((resolveEnd) => res.once('end', resolveEnd));
        res.once('data', () => resolve({ ended }));
        res.resume();
      }).on('error', reject);
    });
    const exited = new Promise<number>((resolve) => {
      // Well below the default 10 s: a stream that held the server would make this exit 1.
      void createShutdown({
        server,
        liveStreams,
        steps: [],
        logger: captureLogs().logger,
        exit: resolve,
        timeoutMs: 2000,
      })('SIGTERM');
    });

    expect(await exited).toBe(0);
    await stream.ended;
    expect(server.listening).toBe(false);
  });

  it('runs the remaining steps after one fails, then exits 1', async () => {
    const ran: string[] = [];
    const exit = jest.fn();
    const { logger, lines } = captureLogs();

    await createShutdown({
      steps: [
        {
          name: 'nats',
          run: async () => {
            throw new Error('drain failed');
          },
        },
        { name: 'mongo', run: () => ran.push('mongo') },
      ],
      logger,
      exit,
    })('SIGINT');

    expect(ran).toEqual(['mongo']);
    expect(exit).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(1);
    expect(lines.find((line) => line.msg === 'Shutdown step failed')).toMatchObject({
      step: 'nats',
      err: { message: 'drain failed' },
    });
  });

  it('exits 1 at once when asked a second time while running', async () => {
    const exit = jest.fn();
    let finishStep: () => void = () => undefined;
    const shutdown = createShutdown({
      steps: [{ name: 'slow', run: () => new Promise<void>((resolve) => (finishStep = resolve)) }],
      logger: captureLogs().logger,
      exit,
    });

    const first = shutdown('SIGTERM');
    await shutdown('SIGTERM');

    expect(exit).toHaveBeenCalledWith(1);
    finishStep();
    await first;
    expect(exit).toHaveBeenCalledTimes(1);
  });

  it('exits 1 when the steps outlast the timeout', async () => {
    jest.useFakeTimers();
    try {
      const exit = jest.fn();
      const shutdown = createShutdown({
        steps: [{ name: 'hangs', run: () => new Promise(() => undefined) }],
        logger: captureLogs().logger,
        timeoutMs: 5000,
        exit,
      });

      void shutdown('SIGTERM');
      await jest.advanceTimersByTimeAsync(4999);
      expect(exit).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(1);
      expect(exit).toHaveBeenCalledWith(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('copes with a server that never listened', async () => {
    const exit = jest.fn();

    await createShutdown({ server: createServer(), steps: [], logger: captureLogs().logger, exit })('SIGTERM');

    expect(exit).toHaveBeenCalledWith(0);
  });
});
