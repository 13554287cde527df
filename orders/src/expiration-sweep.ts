import {
  OrderCancelReason,
  startPeriodicTask,
  type BackgroundTask,
  type BusLogger,
  type Outbox,
} from '@ticketing/common';
import { LIVE_STATUSES, Order } from './models/order';

export interface SweepOptions {
  outbox: Outbox;
  logger: BusLogger;
  /** How long past `expiresAt` an order is left to the expiration service before the sweep cancels it. */
  graceSeconds: number;
  /** Orders handled per sweep; the next sweep takes the rest. */
  batchSize?: number;
  now?: Date;
}

/**
 * The backstop for the expiration service (down, or Redis lost its jobs): cancels live orders more
 * than `graceSeconds` past their expiry. Each cancellation is conditional and publishes in its own
 * outbox transaction, so replicas sweeping at the same time cancel and publish each order once.
 * Returns how many orders this call cancelled.
 */
export async function sweepOverdueOrders(options: SweepOptions): Promise<number> {
  const now = options.now ?? new Date();
  const overdueBefore = new Date(now.getTime() - options.graceSeconds * 1000);
  const overdue = await Order.find({ status: { $in: LIVE_STATUSES }, expiresAt: { $lt: overdueBefore } }, { _id: 1 })
    .sort({ expiresAt: 1 })
    .limit(options.batchSize ?? 100)
    .lean();
  let cancelled = 0;
  for (const { _id } of overdue) {
    const outcome = await Order.cancel(options.outbox, String(_id), OrderCancelReason.Expired);
    if (outcome === 'cancelled') {
      cancelled += 1;
      options.logger.warn({ orderId: String(_id) }, 'overdue order cancelled by the sweep, expiration missed it');
    }
  }
  return cancelled;
}

export interface ExpirationSweepOptions extends Omit<SweepOptions, 'now'> {
  intervalMs: number;
}

/** Runs `sweepOverdueOrders` every `intervalMs` until stopped; a failed sweep is logged and retried next time. */
export function startExpirationSweep(options: ExpirationSweepOptions): BackgroundTask {
  return startPeriodicTask({
    name: 'expiration sweep',
    intervalMs: options.intervalMs,
    logger: options.logger,
    run: async () => {
      await sweepOverdueOrders(options);
    },
  });
}
