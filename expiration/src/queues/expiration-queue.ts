import { continueTrace, traceCarrierOf, type Logger, type TraceCarrier } from '@ticketing/common';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ExpirationCompletePublisher } from '../events/publishers/expiration-complete-publisher';
import { QUEUE_STATES, type ExpirationMetrics, type QueueCounts } from '../metrics';

export const EXPIRATION_QUEUE_NAME = 'order-expiration';
const JOB_NAME = 'expire-order';
// Named in each job's options; the worker supplies the strategy (see startExpirationWorker).
const BACKOFF_TYPE = 'capped-exponential';

export interface ExpirationJobData {
  orderId: string;
  /** ISO date the order expires at, kept to report how late the job fired. */
  expiresAt: string;
  /**
   * W3C trace context of the order.created handling that scheduled it: the job's span, and the
   * expiration.complete it publishes, continue the purchase's trace. Absent on jobs scheduled before.
   */
  trace?: TraceCarrier;
}

export type ScheduleResult = 'scheduled' | 'already-scheduled' | 'cancelled';

export interface ExpirationQueueOptions {
  connection: Redis;
  logger: Logger;
  /** Runs of a job before it stays failed. */
  maxAttempts: number;
  /** How long a fired job and a cancellation marker are kept. */
  rememberSeconds: number;
}

/**
 * The delayed jobs that expire orders, one per order with the order id as job id, in Redis so
 * they survive restarts and are shared by every replica.
 */
export class ExpirationQueue {
  readonly queue: Queue<ExpirationJobData>;
  private readonly redis: Redis;
  private readonly logger: Logger;
  private readonly maxAttempts: number;
  private readonly rememberSeconds: number;

  constructor(options: ExpirationQueueOptions) {
    this.redis = options.connection;
    this.logger = options.logger;
    this.maxAttempts = options.maxAttempts;
    this.rememberSeconds = options.rememberSeconds;
    this.queue = new Queue<ExpirationJobData>(EXPIRATION_QUEUE_NAME, { connection: options.connection });
    this.queue.on('error', (err) => this.logger.error({ err }, 'expiration queue error'));
  }

  /**
   * Schedules the order's expiration at `expiresAt` (at once if that is past). An order already
   * scheduled, fired or cancelled gets nothing new: the first schedule and its time stand.
   */
  async schedule(orderId: string, expiresAt: Date): Promise<ScheduleResult> {
    if (await this.isCancelled(orderId)) {
      this.logger.info({ orderId }, 'order already cancelled, nothing to schedule');
      return 'cancelled';
    }
    if (await this.queue.getJob(orderId)) {
      this.logger.info({ orderId }, 'expiration already scheduled');
      return 'already-scheduled';
    }
    const delayMs = Math.max(0, expiresAt.getTime() - Date.now());
    // With a job id, add is a no-op while a job with that id exists in any state, so two replicas
    // handling the same event at once still make one job. Fired jobs are kept (removeOnComplete
    // by age) for the same reason: a redelivered order.created finds them and adds nothing.
    await this.queue.add(
      JOB_NAME,
      { orderId, expiresAt: expiresAt.toISOString(), trace: traceCarrierOf() },
      {
        jobId: orderId,
        delay: delayMs,
        attempts: this.maxAttempts,
        backoff: { type: BACKOFF_TYPE },
        removeOnComplete: { age: this.rememberSeconds },
        removeOnFail: false,
      },
    );
    // A cancellation handled meanwhile by another replica may have found no job to remove.
    if (await this.isCancelled(orderId)) {
      await this.queue.remove(orderId);
      this.logger.info({ orderId }, 'order cancelled while scheduling, expiration removed');
      return 'cancelled';
    }
    this.logger.info({ orderId, expiresAt: expiresAt.toISOString(), delayMs }, 'expiration scheduled');
    return 'scheduled';
  }

  /**
   * Removes the order's pending expiration and remembers the cancellation, so an order.created
   * redelivered (or delivered late, after this order.cancelled) schedules nothing.
   */
  async cancel(orderId: string): Promise<void> {
    await this.redis.set(cancelledKey(orderId), '1', 'EX', this.rememberSeconds);
    const job = await this.queue.getJob(orderId);
    if (!job) {
      this.logger.info({ orderId }, 'order cancelled, no expiration to remove');
      return;
    }
    const state = await job.getState();
    if (state === 'completed') {
      this.logger.info({ orderId }, 'order cancelled after its expiration fired');
      return;
    }
    // 0 means the job is running right now; its expiration.complete is then ignored by orders.
    const removed = await this.queue.remove(orderId);
    this.logger.info({ orderId, state, removed: removed === 1 }, 'order cancelled, expiration removed');
  }

  async counts(): Promise<QueueCounts> {
    const counts = await this.queue.getJobCounts(...QUEUE_STATES);
    return Object.fromEntries(QUEUE_STATES.map((state) => [state, counts[state] ?? 0])) as QueueCounts;
  }

  close(): Promise<void> {
    return this.queue.close();
  }

  private async isCancelled(orderId: string): Promise<boolean> {
    return (await this.redis.exists(cancelledKey(orderId))) === 1;
  }
}

function cancelledKey(orderId: string): string {
  return `expiration:cancelled:${orderId}`;
}

export interface ExpirationWorkerOptions {
  connection: Redis;
  logger: Logger;
  publisher: ExpirationCompletePublisher;
  metrics: ExpirationMetrics;
  concurrency: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
}

/**
 * Fires due expirations: publishes expiration.complete for the job's order. A failed publish
 * (NATS down) fails the job, which BullMQ runs again after a capped exponential backoff.
 * BullMQ locks a job to one worker, so with several replicas each job fires once.
 */
export function startExpirationWorker(options: ExpirationWorkerOptions): Worker<ExpirationJobData> {
  const { logger, publisher, metrics } = options;

  // Each run in a span continuing the trace of the order.created that scheduled the job.
  const processJob = (job: Job<ExpirationJobData>): Promise<void> =>
    continueTrace('expiration job', job.data.trace, { orderId: job.data.orderId }, () => expire(job));

  const expire = async (job: Job<ExpirationJobData>): Promise<void> => {
    const { orderId, expiresAt } = job.data;
    try {
      await publisher.publishExpiration(orderId);
    } catch (err) {
      metrics.publishFailed();
      throw err;
    }
    metrics.fired(new Date(expiresAt));
    logger.info(
      { orderId, lateMs: Date.now() - Date.parse(expiresAt), attempt: job.attemptsMade + 1 },
      'order expired, expiration.complete published',
    );
  };

  const worker = new Worker<ExpirationJobData>(EXPIRATION_QUEUE_NAME, processJob, {
    connection: options.connection,
    concurrency: options.concurrency,
    settings: {
      backoffStrategy: (attemptsMade: number) =>
        Math.min(options.retryDelayMs * 2 ** (attemptsMade - 1), options.maxRetryDelayMs),
    },
  });
  worker.on('failed', (job, err) => {
    const context = { orderId: job?.data.orderId, attemptsMade: job?.attemptsMade, err: err.message };
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
      logger.error(context, 'expiration job failed for good, left in the failed set');
    } else {
      logger.warn(context, 'expiration job failed, retrying with backoff');
    }
  });
  worker.on('error', (err) => logger.error({ err }, 'expiration worker error'));
  return worker;
}
