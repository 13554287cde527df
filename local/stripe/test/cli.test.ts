import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import Stripe from 'stripe';

const CLI = path.join(__dirname, '../src/cli.ts');

function runCli(args: string[]) {
  return spawn(process.execPath, ['-r', '@swc-node/register', CLI, ...args], {
    cwd: path.join(__dirname, '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

it('serves the API on the given port and stops cleanly on SIGTERM', async () => {
  const child = runCli(['--port', '0', '--secret-key', 'sk_test_cli', '--webhook-secret', 'whsec_cli']);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const lines = createInterface({ input: child.stdout! });
    let url: URL | undefined;
    for await (const line of lines) {
      const match = /listening on (\S+)/.exec(line);
      if (match) {
        url = new URL(match[1]);
        break;
      }
    }
    expect(url).toBeDefined();
    const stripe = new Stripe('sk_test_cli', { host: url!.hostname, port: Number(url!.port), protocol: 'http' });
    const intent = await stripe.paymentIntents.create({
      amount: 500,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    expect(intent.status).toBe('succeeded');
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
});

it('exits with an explanation when the secret key is missing', async () => {
  const child = runCli(['--port', '0']);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  expect(code).toBe(1);
  expect(stderr).toMatch(/--secret-key is required/);
});
