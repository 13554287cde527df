#!/usr/bin/env node
// fake-stripe --port 12111 --secret-key sk_test_... [--webhook-secret whsec_...] [--webhook-url URL] [--host 0.0.0.0]
import { parseArgs } from 'node:util';
import { startFakeStripe } from './fake-stripe';

const USAGE =
  'usage: fake-stripe --secret-key sk_test_... [--port 12111] [--host 127.0.0.1] [--webhook-secret whsec_...] [--webhook-url URL]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '12111' },
      host: { type: 'string', default: '127.0.0.1' },
      'secret-key': { type: 'string' },
      'webhook-secret': { type: 'string' },
      'webhook-url': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0 to 65535\n${USAGE}`);
  if (!values['secret-key']) throw new Error(`--secret-key is required\n${USAGE}`);

  const fake = await startFakeStripe({
    port,
    bindHost: values.host,
    secretKey: values['secret-key'],
    webhookSecret: values['webhook-secret'],
    webhookUrl: values['webhook-url'],
    onWebhookGiveUp: (event, lastError) =>
      console.error(`fake Stripe gave up delivering ${event.type} ${event.id}: ${lastError}`),
  });
  console.log(
    `fake Stripe listening on ${fake.url}${values['webhook-url'] ? `, webhooks to ${values['webhook-url']}` : ''}`,
  );
  if (!values['webhook-secret']) console.log(`webhook signing secret: ${fake.webhookSecret}`);

  const shutdown = () => {
    void fake.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
