import { createConnection } from 'node:net';
import { startNatsServer } from './nats-server';
import { startRedisServer } from './redis-server';
import { waitFor } from './wait';

/** Sends a line and resolves with the first data the server answers. */
function talk(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write(line));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString());
    });
    socket.once('error', reject);
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('startNatsServer', () => {
  it('serves JetStream on a free port, restarts on the same port, and cleans up', async () => {
    const nats = await startNatsServer();
    try {
      expect(nats.port).not.toBe(4222);
      expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
      expect(await talk(nats.port, '')).toMatch(/^INFO .*"jetstream":true/);

      await nats.kill();
      expect(await canConnect(nats.port)).toBe(false);
      await nats.restart();
      expect(await canConnect(nats.port)).toBe(true);
    } finally {
      await nats.stop();
    }
    expect(await canConnect(nats.port)).toBe(false);
    const { existsSync } = await import('node:fs');
    expect(existsSync(nats.dataDir)).toBe(false);
  });
});

describe('startRedisServer', () => {
  it('serves Redis on a free port, keeps data across a restart, loses it on an empty restart, and cleans up', async () => {
    const redis = await startRedisServer();
    try {
      expect(redis.port).not.toBe(6379);
      expect(await talk(redis.port, 'SET greeting hello\r\n')).toBe('+OK\r\n');
      await redis.kill();
      await redis.restart();
      expect(await talk(redis.port, 'GET greeting\r\n')).toBe('$5\r\nhello\r\n');
      await redis.restartEmpty();
      expect(await talk(redis.port, 'GET greeting\r\n')).toBe('$-1\r\n');
    } finally {
      await redis.stop();
    }
    expect(await canConnect(redis.port)).toBe(false);
  });
});

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let calls = 0;
    await expect(waitFor(() => (++calls === 3 ? 'done' : undefined), { intervalMs: 1 })).resolves.toBe('done');
    expect(calls).toBe(3);
  });

  it('retries while the predicate throws and reports the last error on timeout', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('still broken');
        },
        { timeoutMs: 50, intervalMs: 5, description: 'repair' },
      ),
    ).rejects.toThrow('timed out after 50 ms waiting for repair: still broken');
  });
});
