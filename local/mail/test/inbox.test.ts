import request from 'supertest';
import type { MailSink, StoredMessage } from '../src';
import { makeDataDir, removeDir, send, startTestSink } from './helpers';

let dataDir: string;
let sink: MailSink;

beforeEach(async () => {
  dataDir = await makeDataDir();
  ({ sink } = await startTestSink(dataDir));
});

afterEach(async () => {
  await sink.close();
  await removeDir(dataDir);
});

const HOSTILE_SUBJECT = '<script>alert("subject")</script> & more';
const HOSTILE_HTML = `<p class="x" title='y'>Hello &amp; welcome</p><script>alert("html")</script><img src=x onerror="alert(1)">`;
const HOSTILE_TEXT = 'Text with <b>tags</b> & "quotes"\n</pre><script>alert("text")</script>';

function unescapeAttribute(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Every script element and event handler on a page of the sink: its own pages have none. */
function activeContent(page: string): string[] {
  return page.match(/<script|\son\w+=/gi) ?? [];
}

async function sendHostile(): Promise<StoredMessage> {
  await send(sink, { to: 'victim@example.com', subject: HOSTILE_SUBJECT, text: HOSTILE_TEXT, html: HOSTILE_HTML });
  return (await sink.messages())[0];
}

describe('GET /mail, the inbox page', () => {
  test('lists every message newest first with its time, recipients and subject linking to it', async () => {
    await send(sink, { to: 'first@example.com', subject: 'First', text: '1' });
    await send(sink, { to: ['second@example.com', 'other@example.com'], subject: 'Second', text: '2' });
    const [second, first] = await sink.messages();

    const response = await request(sink.handle).get('/mail');

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    const page = response.text;
    expect(page).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(page).toContain('<title>Local mail inbox</title>');
    expect(page).toContain('<h1>Local mail inbox</h1>');
    expect(page).toContain(`<code>${sink.smtpUrl}</code>`);
    expect(page).toContain('<caption>2 messages, newest first</caption>');
    expect(page).toContain('<th scope="col">Received</th><th scope="col">To</th><th scope="col">Subject</th>');
    const secondRow = page.indexOf(`<a href="/mail/messages/${second.id}">Second</a>`);
    const firstRow = page.indexOf(`<a href="/mail/messages/${first.id}">First</a>`);
    expect(secondRow).toBeGreaterThan(0);
    expect(firstRow).toBeGreaterThan(secondRow);
    expect(page).toContain('<td>second@example.com, other@example.com</td>');
    const shown = `${second.receivedAt.slice(0, 10)} ${second.receivedAt.slice(11, 19)} UTC`;
    expect(page).toContain(`<time datetime="${second.receivedAt}">${shown}</time>`);
  });

  test('says so when there is no message yet, also at /mail/', async () => {
    for (const path of ['/mail', '/mail/', '/mail?anything=1']) {
      const response = await request(sink.handle).get(path);

      expect(response.status).toBe(200);
      expect(response.text).toContain('<p>No messages yet.</p>');
    }
  });

  test('escapes what a message says, and loads nothing from anywhere', async () => {
    await sendHostile();

    const response = await request(sink.handle).get('/mail');

    expect(response.text).toContain('&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt; &amp; more');
    expect(activeContent(response.text)).toEqual([]);
    expect(response.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(response.headers['content-security-policy']).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'cache-control': 'no-store',
    });
  });

  test('answers HEAD with the headers only', async () => {
    const response = await request(sink.handle).head('/mail');

    expect(response.status).toBe(200);
    expect(Number(response.headers['content-length'])).toBeGreaterThan(0);
    expect(response.text).toBeUndefined();
  });
});

describe('GET /mail/messages/:id, one message', () => {
  test('shows the headers, the HTML in a sandboxed frame exactly as sent and the text part', async () => {
    const message = await sendHostile();

    const response = await request(sink.handle).get(`/mail/messages/${message.id}`);

    expect(response.status).toBe(200);
    const page = response.text;
    expect(page).toContain(
      '<title>&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt; &amp; more — local mail inbox</title>',
    );
    expect(page).toContain('<h1>&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt; &amp; more</h1>');
    expect(page).toContain('<dt>From</dt><dd>no-reply@ticketing.local</dd>');
    expect(page).toContain('<dt>To</dt><dd>victim@example.com</dd>');
    expect(page).toContain(
      `<dt>Message-ID</dt><dd>${message.messageId!.replace('<', '&lt;').replace('>', '&gt;')}</dd>`,
    );
    const frame = /<iframe sandbox="" title="The HTML part of the message" srcdoc="([^"]*)"><\/iframe>/.exec(page);
    expect(frame).not.toBeNull();
    expect(unescapeAttribute(frame![1])).toBe(message.html);
    expect(page).toContain(
      `<pre>${message.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')}</pre>`,
    );
    // The HTML's own script and handler are text in the frame's attribute, which the frame runs none of.
    expect(activeContent(page.replace(frame![0], ''))).toEqual([]);
  });

  test('says when a part is missing', async () => {
    await send(sink, { to: 'a@example.com', subject: '', text: 'only text' });
    const [message] = await sink.messages();

    const page = (await request(sink.handle).get(`/mail/messages/${message.id}`)).text;

    expect(page).toContain('<h1>(no subject)</h1>');
    expect(page).toContain('<p>This message has no HTML part.</p>');
    expect(page).not.toContain('<iframe');
  });

  test.each([
    '/mail/messages/0000000000001-0000-00000000',
    '/mail/messages/..%2F..%2Fetc%2Fpasswd',
    '/mail/messages/<b>',
  ])('404 page for %s, which is no message', async (path) => {
    const response = await request(sink.handle).get(path);

    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.text).toContain('<h1>Not found</h1>');
    expect(response.text).not.toContain('<b>');
  });
});

describe('GET /mail/api/messages, the JSON listing', () => {
  test('gives every message newest first, or those sent to `to` in any case', async () => {
    await send(sink, { to: 'buyer@example.com', subject: 'receipt', text: 'r', html: '<p>r</p>' });
    await send(sink, { to: 'seller@example.com', subject: 'sold', text: 's' });
    const stored = await sink.messages();

    const all = await request(sink.handle).get('/mail/api/messages');
    expect(all.status).toBe(200);
    expect(all.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(all.body).toEqual({ messages: stored });
    expect(all.body.messages.map((message: StoredMessage) => message.subject)).toEqual(['sold', 'receipt']);

    const buyers = await request(sink.handle).get('/mail/api/messages').query({ to: 'Buyer@EXAMPLE.com' });
    expect(buyers.status).toBe(200);
    expect(buyers.body).toEqual({ messages: [stored[1]] });

    const nobody = await request(sink.handle).get('/mail/api/messages?to=nobody%40example.com');
    expect(nobody.body).toEqual({ messages: [] });
  });

  test.each([
    ['to=not-an-address', { message: 'To must be an email address', field: 'to' }],
    ['to=', { message: 'To must be an email address', field: 'to' }],
    ['to=a%40example.com%20b%40example.com', { message: 'To must be an email address', field: 'to' }],
    ['to=a%40example.com&to=b%40example.com', { message: 'To must be given once', field: 'to' }],
    ['from=a%40example.com', { message: 'Unknown field from: remove it from the request', field: 'from' }],
  ])('400 in the error format for ?%s', async (query, error) => {
    const response = await request(sink.handle).get(`/mail/api/messages?${query}`);

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [error] });
  });

  test.each(['/mail/api', '/mail/api/', '/mail/api/messages/1', '/mail/api/nothing'])(
    'JSON 404 for %s, which is no route',
    async (path) => {
      const response = await request(sink.handle).get(path);

      expect(response.status).toBe(404);
      expect(response.body).toEqual({ errors: [{ message: 'No such route: check the method and the path' }] });
    },
  );
});

test.each(['/mail/nothing', '/mail/messages', '/mail/messages/', '/elsewhere'])(
  '404 page for %s, which is no page of the inbox',
  async (path) => {
    const response = await request(sink.handle).get(path);

    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.text).toContain('<h1>Not found</h1>');
  },
);

test('405 for a method other than GET or HEAD: a page for the pages, JSON for the API', async () => {
  const page = await request(sink.handle).post('/mail').send('x');
  expect(page.status).toBe(405);
  expect(page.headers.allow).toBe('GET, HEAD');
  expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(page.text).toContain('<h1>Method not allowed</h1>');

  const api = await request(sink.handle).delete('/mail/api/messages');
  expect(api.status).toBe(405);
  expect(api.headers.allow).toBe('GET, HEAD');
  expect(api.body).toEqual({
    errors: [{ message: 'The inbox is read-only: DELETE is not allowed here, only GET' }],
  });
});
