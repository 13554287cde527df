import type { Logger } from '@ticketing/common';
import { Redis } from 'ioredis';

/** Where a Redis URL points, without its credentials, for log lines. */
function describeRedisUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '6379'}`;
}

/**
 * Connects to Redis and verifies it answers a PING within `timeoutMs`. After that the client
 * reconnects forever on its own; the readiness check reports while it is away. Rejects with a
 * one-line message naming the server and the last connection error, and closes the client.
 */
export async function connectRedis(url: string, logger: Logger, timeoutMs: number): Promise<Redis> {
  const server = describeRedisUrl(url);
  const redis = new Redis(url, {
    // BullMQ requires it: its blocking commands must wait through reconnects instead of failing.
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
  });
  let lastError: Error | undefined;
  let wasReady = false;
  redis.on('error', (err: Error) => {
    lastError = err;
    // Before the first connection the start-up check reports the problem in one line.
    if (wasReady) logger.warn({ err: err.message, redis: server }, 'Redis connection error, reconnecting');
  });
  redis.on('ready', () => {
    if (wasReady) logger.info({ redis: server }, 'reconnected to Redis');
    wasReady = true;
  });

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const cause = lastError ? ` (${lastError.message})` : '';
      reject(new Error(`Redis at ${server} not reachable within ${timeoutMs} ms${cause}`));
    }, timeoutMs);
  });
  try {
    await Promise.race([redis.ping(), timeout]);
  } catch (err) {
    redis.disconnect();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  logger.info({ redis: server }, 'connected to Redis');
  return redis;
}
