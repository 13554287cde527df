// notifications as main.ts runs it (runService): listeners, the email sender and the HTTP API in one process.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { publicJwks, Subjects } from '@ticketing/common';
import {
  findFreePort,
  startServiceTestEnvironment,
  TEST_JWT_KEYS,
  waitFor,
  type ServiceTestEnvironment,
} from '@ticketing/common/testing';
import { startMailSink, type MailSink } from '@ticketing/mail-sink';
import { publish, userCreatedData } from './setup';

const repositoryRoot = path.join(__dirname, '..', '..');
const main = path.join(__dirname, '..', 'src', 'main.ts');

let env: ServiceTestEnvironment;
let sink: MailSink;
let dataDir: string;

beforeAll(async () => {
  env = await startServiceTestEnvironment();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'notifications-main-'));
  sink = await startMailSink({ dataDir });
});

afterAll(async () => {
  await sink?.close();
  await env?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

function runMain(variables: Record<string, string>) {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', main], {
    cwd: repositoryRoot,
    // The base config maps @ticketing/common to its sources, as jest does.
    env: { PATH: process.env.PATH, SWC_NODE_PROJECT: 'tsconfig.base.json', LOG_LEVEL: 'warn', ...variables },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

it('emails a new account, serves the preferences, and exits 0 on SIGTERM', async () => {
  const port = await findFreePort();
  const service = runMain({
    PORT: String(port),
    PUBLIC_ORIGIN: 'https://tix.test',
    MONGO_URI: env.mongo.uri,
    NATS_URL: env.nats.url,
    JWT_PUBLIC_KEYS: JSON.stringify(publicJwks(TEST_JWT_KEYS.publicKeys)),
    SMTP_URL: sink.smtpUrl,
    MAIL_FROM: 'Tix <hello@tix.test>',
    PUBLIC_URL: 'https://tix.test',
    PRODUCT_NAME: 'Tix',
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200, {
      timeoutMs: 20_000,
      description: 'notifications to be ready',
    }).catch((err: Error) => {
      throw new Error(`${err.message}; its output: ${service.output()}`);
    });
    const user = userCreatedData();
    const eventId = await publish(env.bus, Subjects.UserCreated, user);
    const [welcome] = await waitFor(async () => {
      const messages = await sink.messages({ to: user.email });
      return messages.length > 0 ? messages : undefined;
    });
    expect(welcome).toMatchObject({
      from: 'hello@tix.test',
      subject: 'Welcome to Tix',
      messageId: `<${eventId}.welcome@tix.test>`,
    });
    expect(welcome.html).toContain('href="https://tix.test"');
    expect((await fetch(`${base}/api/notifications/preferences`)).status).toBe(401);
    // Counted once the sender has recorded it sent, right after the server took it.
    await waitFor(async () =>
      (await (await fetch(`${base}/metrics`)).text()).includes(
        'emails_sent_total{kind="welcome",result="sent",service="notifications"} 1',
      ),
    );

    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
  } finally {
    service.child.kill('SIGKILL');
  }
}, 60_000);

it('refuses to start without its mail settings, naming each (exit code 1)', async () => {
  const service = runMain({ MONGO_URI: env.mongo.uri, NATS_URL: env.nats.url });
  expect(await service.exited).toBe(1);
  const output = service.output();
  for (const variable of ['SMTP_URL', 'MAIL_FROM', 'PUBLIC_URL', 'JWT_PUBLIC_KEYS']) {
    expect(output).toContain(`${variable} is required`);
  }
}, 30_000);
