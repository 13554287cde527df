import { createHmac } from 'node:crypto';
import { stripeId } from './ids';

/** A Stripe Event object as sent to webhook endpoints. */
export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: unknown };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export const FAKE_API_VERSION = '2026-10-28.endive';

/** The `Stripe-Signature` header value Stripe sends: `t=<ts>,v1=<hex HMAC-SHA256 of "<ts>.<payload>">`. */
export function signWebhookPayload(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

export function buildEvent(type: string, object: unknown): StripeEvent {
  return {
    id: stripeId('evt'),
    object: 'event',
    api_version: FAKE_API_VERSION,
    created: Math.floor(Date.now() / 1000),
    data: { object: structuredClone(object) },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

export interface WebhookSenderOptions {
  secret: string;
  url?: string;
  /** Deliveries tried per event before giving up. */
  maxAttempts?: number;
  /** Pause before the second attempt; doubles after each failure. */
  retryDelayMs?: number;
  timeoutMs?: number;
  onGiveUp?(event: StripeEvent, lastError: string): void;
}

/**
 * Posts signed events to the configured endpoint in the background, each signed afresh per
 * attempt as Stripe does, retrying failed deliveries (no answer or a non-2xx status) a bounded
 * number of times.
 */
export class WebhookSender {
  url: string | undefined;
  private readonly secret: string;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly timeoutMs: number;
  private readonly onGiveUp: WebhookSenderOptions['onGiveUp'];
  private readonly pending = new Set<Promise<void>>();
  private readonly retryTimers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private stopped = false;

  constructor(options: WebhookSenderOptions) {
    this.secret = options.secret;
    this.url = options.url;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 250;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.onGiveUp = options.onGiveUp;
  }

  /** Starts delivering `event` (a no-op while no endpoint is configured). */
  send(event: StripeEvent): void {
    if (!this.url || this.stopped) return;
    const delivery = this.deliverWithRetries(event, this.url).finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }

  /** One delivery attempt, awaited; resolves with the endpoint's HTTP status. */
  async deliverOnce(event: StripeEvent, url = this.url): Promise<number> {
    if (!url) throw new Error('no webhook endpoint configured');
    const payload = JSON.stringify(event, null, 2);
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'Stripe-Signature': signWebhookPayload(payload, this.secret),
        'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      },
      body: payload,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** Resolves once every delivery started so far has succeeded or given up. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Stops retrying and waits for attempts in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const retry of this.retryTimers) {
      clearTimeout(retry.timer);
      retry.resolve();
    }
    this.retryTimers.clear();
    await this.idle();
  }

  private async deliverWithRetries(event: StripeEvent, url: string): Promise<void> {
    let lastError = '';
    for (let attempt = 1; attempt <= this.maxAttempts && !this.stopped; attempt += 1) {
      try {
        const status = await this.deliverOnce(event, url);
        if (status >= 200 && status < 300) return;
        lastError = `endpoint answered ${status}`;
      } catch (err) {
        lastError = (err as Error).message;
      }
      if (attempt < this.maxAttempts) await this.pause(this.retryDelayMs * 2 ** (attempt - 1));
    }
    this.onGiveUp?.(event, lastError);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const retry = {
        timer: setTimeout(() => {
          this.retryTimers.delete(retry);
          resolve();
        }, ms),
        resolve,
      };
      this.retryTimers.add(retry);
    });
  }
}
