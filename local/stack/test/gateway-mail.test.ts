// The mail sink's inbox behind the gateway: /mail and below are answered in the launcher's process,
// every other path is routed as before.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startMailSink, type MailSink } from '@ticketing/mail-sink';
import nodemailer from 'nodemailer';
import { startGateway, type Gateway } from '../src/gateway';
import { makeTempDir, removeDir } from './helpers';

let dataDir: string;
let sink: MailSink;
let client: Server;
let gateway: Gateway | undefined;

beforeEach(async () => {
  dataDir = await makeTempDir();
  sink = await startMailSink({ dataDir, smtpPort: 0 });
  client = createServer((_req, res) => res.end('client'));
  await new Promise<void>((resolve) => client.listen(0, '127.0.0.1', resolve));
});

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  await new Promise((resolve) => client.close(resolve));
  await sink.close();
  await removeDir(dataDir);
});

async function start(withInbox: boolean): Promise<string> {
  gateway = await startGateway({
    host: '127.0.0.1',
    port: 0,
    routes: [],
    clientPorts: [(client.address() as AddressInfo).port],
    mailInbox: withInbox ? sink.handle : undefined,
    landingPage: (_req, res) => res.end('landing page'),
  });
  return gateway.url;
}

async function sendMail(to: string, subject: string): Promise<void> {
  const transport = nodemailer.createTransport(sink.smtpUrl);
  try {
    await transport.sendMail({ from: 'no-reply@ticketing.local', to, subject, text: 'Hello', html: '<p>Hello</p>' });
  } finally {
    transport.close();
  }
}

test('sends /mail and every path below it to the mail sink, and every other path on as before', async () => {
  const url = await start(true);
  await sendMail('Buyer@Example.com', 'Your receipt');
  const [message] = await sink.messages();

  const inbox = await fetch(`${url}/mail`);
  expect(inbox.status).toBe(200);
  expect(await inbox.text()).toContain(`<a href="/mail/messages/${message.id}">Your receipt</a>`);
  // The sink's own policy, not the gateway's: its pages show a message's HTML in a frame.
  expect(inbox.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'unsafe-inline'/);

  const page = await fetch(`${url}/mail/messages/${message.id}`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<iframe sandbox=""');

  const listing = await fetch(`${url}/mail/api/messages?to=buyer%40example.com`);
  expect(listing.status).toBe(200);
  expect(listing.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(await listing.json()).toEqual({ messages: [message] });

  const badQuery = await fetch(`${url}/mail/api/messages?to=buyer`);
  expect(badQuery.status).toBe(400);
  expect(await badQuery.json()).toEqual({ errors: [{ message: 'To must be an email address', field: 'to' }] });

  expect((await fetch(`${url}/mail/nothing`)).status).toBe(404);
  expect((await fetch(`${url}/mail/api/messages`, { method: 'POST', body: '{}' })).status).toBe(405);
  for (const path of ['/mailbox', '/', '/orders/1']) {
    expect(await (await fetch(`${url}${path}`)).text()).toBe('client');
  }
});

test('without a mail sink, /mail is the client’s like any other page', async () => {
  const url = await start(false);

  expect(await (await fetch(`${url}/mail`)).text()).toBe('client');
  expect(await (await fetch(`${url}/mail/api/messages`)).text()).toBe('client');
});
