import { randomBytes } from 'node:crypto';
import type { JsMsg } from '@nats-io/jetstream';
import {
  createLogger,
  EVENT_STREAM,
  OrderCancelReason,
  OrderStatus,
  Publisher,
  Subjects,
  type Bus,
  type OrderCancelledEvent,
  type OrderCreatedEvent,
  type ServiceRuntime,
} from '@ticketing/common';
import type { ServiceTestEnvironment } from '@ticketing/common/testing';
import { expirationEnv, type ExpirationConfig } from '../src/config';
import { startExpiration, type RunningExpiration } from '../src/start-expiration';
import { z } from 'zod';

export function newOrderId(): string {
  return randomBytes(12).toString('hex');
}

/** The service as main.ts starts it, on the test environment's Redis and bus, with short retries. */
export function startTestExpiration(env: ServiceTestEnvironment): Promise<RunningExpiration> {
  const config: ServiceRuntime<ExpirationConfig>['config'] = {
    ...z.object(expirationEnv).parse({
      REDIS_URL: env.redis!.url,
      REDIS_CONNECT_TIMEOUT_MS: 5_000,
      EXPIRATION_RETRY_DELAY_MS: 200,
      EXPIRATION_RETRY_MAX_DELAY_MS: 1_000,
    }),
    PORT: 0,
    HOST: '127.0.0.1',
    TRUST_PROXY: 'loopback',
    PUBLIC_ORIGIN: ['https://tickets.example.com'],
    LOG_LEVEL: 'silent',
    NATS_URL: env.nats.url,
  };
  return startExpiration({ name: 'expiration', config, logger: createLogger('expiration'), bus: env.bus });
}

/** Stops what startExpiration started in the order runService would: listeners first, Redis last. */
export async function stopExpiration(running: RunningExpiration): Promise<void> {
  for (const task of [...running.tasks].reverse()) {
    await task.stop();
  }
}

class OrderCreatedPublisher extends Publisher<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
}

class OrderCancelledPublisher extends Publisher<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;
}

/** Publishes order.created; each call has a new event id, like a redelivery the stream cannot dedupe. */
export async function publishOrderCreated(bus: Bus, orderId: string, expiresAt: Date): Promise<void> {
  await new OrderCreatedPublisher(bus).publish({
    id: orderId,
    version: 0,
    status: OrderStatus.Created,
    userId: newOrderId(),
    expiresAt: expiresAt.toISOString(),
    ticket: { id: newOrderId(), price: 20 },
  });
}

export async function publishOrderCancelled(bus: Bus, orderId: string): Promise<void> {
  await new OrderCancelledPublisher(bus).publish({
    id: orderId,
    version: 1,
    reason: OrderCancelReason.RequestedByBuyer,
    ticket: { id: newOrderId() },
  });
}

/** Every expiration.complete stored in the stream for this order. */
export async function storedExpirations(bus: Bus, orderId: string): Promise<number> {
  const jsm = await bus.jetstreamManager();
  const { state } = await jsm.streams.info(EVENT_STREAM);
  let count = 0;
  for (let seq = state.first_seq; seq <= state.last_seq; seq += 1) {
    const msg = await jsm.streams.getMessage(EVENT_STREAM, { seq }).catch(() => null);
    if (msg?.subject === Subjects.ExpirationComplete && (msg.json() as { orderId: string }).orderId === orderId) {
      count += 1;
    }
  }
  return count;
}

/** When the stream stored the message, in ms since the epoch. */
export function storedAtMs(msg: JsMsg): number {
  return msg.time.getTime();
}
