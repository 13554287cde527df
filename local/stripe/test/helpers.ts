import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import type { FakeStripe } from '../src';

/** The real SDK pointed at the fake, as the payments service configures it. */
export function sdkFor(fake: FakeStripe, secretKey = fake.secretKey): Stripe {
  return new Stripe(secretKey, { host: fake.host, port: fake.port, protocol: fake.protocol, maxNetworkRetries: 2 });
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
