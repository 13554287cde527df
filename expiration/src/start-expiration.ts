import { ServiceMetrics, type BackgroundTask, type Bus, type ServiceRuntime } from '@ticketing/common';
import type { Redis } from 'ioredis';
import type { ExpirationConfig } from './config';
import { OrderCancelledListener } from './events/listeners/order-cancelled-listener';
import { OrderCreatedListener } from './events/listeners/order-created-listener';
import { ExpirationCompletePublisher } from './events/publishers/expiration-complete-publisher';
import { ExpirationMetrics } from './metrics';
import { ExpirationQueue, startExpirationWorker } from './queues/expiration-queue';
import { connectRedis } from './redis';

export interface RunningExpiration {
  redis: Redis;
  queue: ExpirationQueue;
  metrics: ExpirationMetrics;
  /** The service's metrics, the expiration ones included: what the app serves at /metrics. */
  serviceMetrics: ServiceMetrics;
  /** In start order; runService stops them in reverse: listeners, worker, queue, Redis. */
  tasks: BackgroundTask[];
}

/**
 * Connects Redis (rejecting with a one-line reason when it is unreachable), then starts the
 * queue, the worker and the listeners. The listeners are started here rather than through
 * runService's `listeners` because they need the queue, which needs Redis, and runService starts
 * listeners before background tasks; this way they also stop before the worker and Redis.
 */
export async function startExpiration(runtime: ServiceRuntime<ExpirationConfig>): Promise<RunningExpiration> {
  const { name, config, logger, bus } = runtime;
  if (!bus) throw new Error('the expiration service needs NATS (uses.nats)');
  const redis = await connectRedis(config.REDIS_URL, logger, config.REDIS_CONNECT_TIMEOUT_MS);
  const queue = new ExpirationQueue({
    connection: redis,
    logger,
    maxAttempts: config.EXPIRATION_MAX_ATTEMPTS,
    rememberSeconds: config.EXPIRATION_REMEMBER_SECONDS,
  });
  // runService's; a runtime built by hand (tests) gets metrics of its own, counting events like runService's.
  const serviceMetrics = runtime.metrics ?? ownMetrics(name, bus);
  const metrics = new ExpirationMetrics(serviceMetrics.registry, () => queue.counts());
  const worker = startExpirationWorker({
    connection: redis,
    logger,
    publisher: new ExpirationCompletePublisher(bus),
    metrics,
    concurrency: config.EXPIRATION_CONCURRENCY,
    retryDelayMs: config.EXPIRATION_RETRY_DELAY_MS,
    maxRetryDelayMs: config.EXPIRATION_RETRY_MAX_DELAY_MS,
  });
  const listeners = [
    new OrderCreatedListener(bus, { serviceName: name }, queue),
    new OrderCancelledListener(bus, { serviceName: name }, queue),
  ];
  for (const listener of listeners) {
    await listener.listen();
  }
  return {
    redis,
    queue,
    metrics,
    serviceMetrics,
    tasks: [
      { name: 'redis', stop: async () => void (await redis.quit()) },
      { name: 'expiration queue', stop: () => queue.close() },
      // Waits for the jobs being run; no new job is taken meanwhile.
      { name: 'expiration worker', stop: () => worker.close() },
      ...listeners.map((listener) => ({ name: `listener ${listener.durableName}`, stop: () => listener.stop() })),
    ],
  };
}

function ownMetrics(name: string, bus: Bus): ServiceMetrics {
  const metrics = new ServiceMetrics({ service: name });
  metrics.watchBus(bus);
  return metrics;
}
