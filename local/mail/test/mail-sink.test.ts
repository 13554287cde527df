import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { startMailSink } from '../src';
import { makeDataDir, removeDir, send, startTestSink, type TestSink } from './helpers';

let dataDir: string;
let running: TestSink[];

async function start(): Promise<TestSink> {
  const started = await startTestSink(dataDir);
  running.push(started);
  return started;
}

beforeEach(async () => {
  dataDir = path.join(await makeDataDir(), 'not-yet-made', 'mail');
  running = [];
});

afterEach(async () => {
  for (const { sink } of running) await sink.close();
  await removeDir(path.dirname(path.dirname(dataDir)));
});

/** The lines the server answers a client's EHLO with. */
function ehloReply(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (/^220 /m.test(received) && !received.includes('EHLO sent')) {
        received += 'EHLO sent\n';
        socket.write('EHLO test.local\r\n');
      } else if (/^250 /m.test(received)) {
        socket.end('QUIT\r\n');
        resolve(received);
      }
    });
  });
}

test('listens on loopback only and offers neither STARTTLS nor AUTH, so a client with just the URL sends at once', async () => {
  const { sink } = await start();

  expect(sink.smtpHost).toBe('127.0.0.1');
  expect(sink.smtpUrl).toBe(`smtp://127.0.0.1:${sink.smtpPort}`);
  const reply = await ehloReply(sink.smtpPort);
  expect(reply).toMatch(/^250[- ]/m);
  expect(reply).not.toMatch(/STARTTLS/i);
  expect(reply).not.toMatch(/AUTH/i);
});

test('keeps a message with its HTML and text parts, subject, sender, envelope recipients and Message-ID', async () => {
  const { sink } = await start();

  const sent = await send(sink, {
    to: 'Buyer <Buyer@Example.com>',
    cc: 'seller@example.com',
    bcc: 'audit@example.com',
    subject: 'Your receipt for “Concert” — €20.00',
    text: 'Thank you for your order.\nOrder: 42',
    html: '<p>Thank you for your <strong>order</strong>.</p>',
  });

  const [message] = await sink.messages();
  expect(message).toEqual({
    id: expect.stringMatching(/^\d{13}-\d{4}-[0-9a-f]{8}$/),
    messageId: sent.messageId,
    from: 'no-reply@ticketing.local',
    to: ['buyer@example.com', 'seller@example.com', 'audit@example.com'],
    subject: 'Your receipt for “Concert” — €20.00',
    text: 'Thank you for your order.\nOrder: 42',
    html: '<p>Thank you for your <strong>order</strong>.</p>',
    receivedAt: expect.any(String),
  });
  expect(Math.abs(Date.parse(message.receivedAt) - Date.now())).toBeLessThan(5_000);
  expect(sent.messageId).toMatch(/^<.+@.+>$/);
});

test("a message with one part has '' for the other, and no text is made up from the HTML", async () => {
  const { sink } = await start();

  await send(sink, { to: 'a@example.com', subject: 'text only', text: 'plain' });
  await send(sink, { to: 'b@example.com', subject: 'html only', html: '<p>rich</p>' });

  const [htmlOnly, textOnly] = await sink.messages();
  // As mailparser reads a single-part body: with the line break that ends its last line.
  expect(textOnly).toMatchObject({ subject: 'text only', text: 'plain\n', html: '' });
  expect(htmlOnly).toMatchObject({ subject: 'html only', text: '', html: '<p>rich</p>\n' });
});

test('lists newest first, filtered by recipient in any case', async () => {
  const { sink } = await start();
  for (const [index, to] of ['one@example.com', 'two@example.com', 'ONE@example.com'].entries()) {
    await send(sink, { to, subject: `message ${index + 1}`, text: 'x' });
  }

  expect((await sink.messages()).map((message) => message.subject)).toEqual(['message 3', 'message 2', 'message 1']);
  expect((await sink.messages({ to: 'One@Example.COM' })).map((message) => message.subject)).toEqual([
    'message 3',
    'message 1',
  ]);
  expect(await sink.messages({ to: 'nobody@example.com' })).toEqual([]);
  const ids = (await sink.messages()).map((message) => message.id);
  expect([...ids].sort().reverse()).toEqual(ids);
});

test('keeps every message of many sent at once, each with its own id', async () => {
  const { sink } = await start();

  await Promise.all(
    Array.from({ length: 20 }, (_, index) =>
      send(sink, { to: `user${index}@example.com`, subject: `${index}`, text: '.' }),
    ),
  );

  const messages = await sink.messages();
  expect(messages).toHaveLength(20);
  expect(new Set(messages.map((message) => message.id)).size).toBe(20);
  expect(new Set(messages.map((message) => message.subject)).size).toBe(20);
});

test('creates its directory, one JSON file per message, and a new sink on it lists the old messages', async () => {
  const first = await start();
  await send(first.sink, { to: 'kept@example.com', subject: 'before the restart', text: 'old' });
  const before = await first.sink.messages();
  await first.sink.close();
  running = [];

  const second = await start();
  expect(await second.sink.messages()).toEqual(before);
  await send(second.sink, { to: 'kept@example.com', subject: 'after the restart', text: 'new' });
  expect((await second.sink.messages({ to: 'kept@example.com' })).map((message) => message.subject)).toEqual([
    'after the restart',
    'before the restart',
  ]);
});

test('skips a file in its directory that is not a message, saying so once', async () => {
  const { sink, logged } = await start();
  await send(sink, { to: 'real@example.com', subject: 'real', text: 'x' });
  await writeFile(path.join(dataDir, '0000000000001-0000-deadbeef.json'), '{ not json');
  await writeFile(path.join(dataDir, 'notes.txt'), 'not a message either');

  expect((await sink.messages()).map((message) => message.subject)).toEqual(['real']);
  expect((await sink.messages()).map((message) => message.subject)).toEqual(['real']);
  expect(logged.filter((line) => line.startsWith('skipping'))).toEqual([
    `skipping ${path.join(dataDir, '0000000000001-0000-deadbeef.json')}: not a stored message`,
  ]);
});

test.each([
  [451, 'Mailbox busy, try again later'],
  [550, 'Mailbox unavailable'],
])('failWith(%i) refuses every message with that reply until cleared', async (code, text) => {
  const { sink } = await start();

  sink.failWith({ code, message: text });
  const refused = await send(sink, { to: 'buyer@example.com', subject: 'refused', text: 'x' }).catch((e: unknown) => e);
  expect(refused).toMatchObject({ responseCode: code, response: `${code} ${text}` });
  expect(await sink.messages()).toEqual([]);

  sink.failWith(undefined);
  await send(sink, { to: 'buyer@example.com', subject: 'accepted', text: 'x' });
  expect((await sink.messages()).map((message) => message.subject)).toEqual(['accepted']);
});

test('failWith takes SMTP error codes only', async () => {
  const { sink } = await start();

  expect(() => sink.failWith({ code: 250, message: 'OK' })).toThrow(RangeError);
  expect(() => sink.failWith({ code: 600, message: 'nonsense' })).toThrow(RangeError);
});

test('refuses a busy port', async () => {
  const { sink } = await start();

  await expect(startMailSink({ dataDir, smtpPort: sink.smtpPort })).rejects.toThrow(/EADDRINUSE/);
});

test('close() stops listening', async () => {
  const { sink } = await start();
  await sink.close();
  running = [];

  await expect(send(sink, { to: 'late@example.com', subject: 'late', text: 'x' })).rejects.toMatchObject({
    code: 'ESOCKET',
  });
});
