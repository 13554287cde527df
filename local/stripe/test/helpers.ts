import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { startFakeStripe, type FakeStripe } from '../src';

export const SECRET_KEY = 'sk_test_fake_0123456789';
export const WEBHOOK_SECRET = 'whsec_test_secret';
export const NO_REDIRECTS = { enabled: true, allow_redirects: 'never' } as const;

export interface TestFakeEnvironment {
  fake: FakeStripe;
  /** The real SDK pointed at `fake`. */
  stripe: Stripe;
}

/** A fresh fake for each test of the file, on a free port with known keys and quick webhook retries. */
export function useTestFake(): TestFakeEnvironment {
  const env = {} as TestFakeEnvironment;
  beforeEach(async () => {
    env.fake = await startFakeStripe({
      port: 0,
      secretKey: SECRET_KEY,
      webhookSecret: WEBHOOK_SECRET,
      webhookRetryDelayMs: 20,
    });
    env.stripe = sdkFor(env.fake);
  });
  afterEach(async () => {
    await env.fake.stop();
  });
  return env;
}

/** The real SDK pointed at the fake, as the payments service configures it. */
export function sdkFor(fake: FakeStripe, secretKey = fake.secretKey): Stripe {
  return new Stripe(secretKey, { host: fake.host, port: fake.port, protocol: fake.protocol, maxNetworkRetries: 2 });
}

/** The error a Stripe call failed with; fails the test when the call succeeds. */
export async function rejection(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (err) {
    return err as Stripe.errors.StripeError;
  }
  throw new Error('expected the Stripe call to fail');
}

export interface ReceivedWebhook {
  body: string;
  signature: string;
}

/** A webhook endpoint that records what it receives and answers with the next status in `statuses` (then 200). */
export async function startWebhookReceiver(statuses: number[] = []): Promise<{
  url: string;
  received: ReceivedWebhook[];
  stop(): Promise<void>;
}> {
  const received: ReceivedWebhook[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: String(req.headers['stripe-signature']),
      });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
