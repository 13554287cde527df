import { startPeriodicTask, type BackgroundTask, type Bus } from '@ticketing/common';
import { Order, type OrderDoc } from './models/order';

/** Every event about an order: order.created, order.cancelled, order.completed. */
const ORDER_SUBJECTS = 'order.>';

/** One open event stream of an order, as OrderUpdates feeds it. */
export interface OrderStream {
  /** Sends the order as it is now; the stream leaves out what it has already sent. */
  send(order: OrderDoc): void;
  keepAlive(): void;
}

export interface OrderUpdatesOptions {
  /** How often every stream gets a keep-alive and its order is read again. Default 15 s. */
  keepAliveMs?: number;
}

/**
 * Feeds the open event streams of orders with every change of their order, whichever replica
 * made it. Each replica keeps a core NATS subscription of its own on the order subjects (every
 * JetStream publish reaches core subscribers too, unlike the durable consumers the replicas
 * share), and reads a watched order again when an event about it arrives. A core subscription
 * loses what is sent while NATS is disconnected, so each keep-alive also reads every watched
 * order again: a stream is never behind for more than one keep-alive interval.
 */
export class OrderUpdates {
  private readonly keepAliveMs: number;
  /** The open streams of each watched order, by order id. */
  private readonly streams = new Map<string, Set<OrderStream>>();

  constructor(options: OrderUpdatesOptions = {}) {
    this.keepAliveMs = options.keepAliveMs ?? 15_000;
  }

  /** Subscribes on `bus` and starts the keep-alives; stopping the task ends both. */
  start(bus: Bus): BackgroundTask {
    const subscription = bus.nc.subscribe(ORDER_SUBJECTS, {
      callback: (err, msg) => {
        if (err) {
          bus.logger.error({ err }, 'order updates subscription failed');
          return;
        }
        const orderId = orderIdOf(msg.string());
        if (orderId === undefined || !this.streams.has(orderId)) return;
        this.refresh([orderId]).catch((refreshErr: unknown) =>
          bus.logger.warn(
            { err: refreshErr, orderId },
            'could not read a changed order, its streams wait for the next keep-alive',
          ),
        );
      },
    });
    const keepAlives = startPeriodicTask({
      name: 'order stream keep-alives',
      intervalMs: this.keepAliveMs,
      logger: bus.logger,
      run: async () => {
        // Keep-alives first: they must go out even when MongoDB cannot be read.
        for (const streams of this.streams.values()) {
          for (const stream of streams) stream.keepAlive();
        }
        await this.refresh([...this.streams.keys()]);
      },
    });
    return {
      name: 'order updates',
      async stop() {
        subscription.unsubscribe();
        await keepAlives.stop();
      },
    };
  }

  /** Feeds `stream` with every change of order `orderId` from now on; returns the function that stops it. */
  watch(orderId: string, stream: OrderStream): () => void {
    const streams = this.streams.get(orderId) ?? new Set<OrderStream>();
    streams.add(stream);
    this.streams.set(orderId, streams);
    return () => {
      const current = this.streams.get(orderId);
      current?.delete(stream);
      if (current?.size === 0) this.streams.delete(orderId);
    };
  }

  /** How many streams of order `orderId` are open. */
  openStreams(orderId: string): number {
    return this.streams.get(orderId)?.size ?? 0;
  }

  private async refresh(orderIds: string[]): Promise<void> {
    if (orderIds.length === 0) return;
    const orders = await Order.find({ _id: { $in: orderIds } });
    for (const order of orders) {
      for (const stream of this.streams.get(order.id) ?? []) stream.send(order);
    }
  }
}

/** The order id every order event carries as `id`; undefined for a message that is not an order event. */
function orderIdOf(payload: string): string | undefined {
  try {
    const { id } = JSON.parse(payload) as { id?: unknown };
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
