// The account page and its email settings as a browser without JavaScript sees them: the client's
// production build served by `next start`, its API a fake one here, so that every answer the
// notifications API may give (errors, a 5xx, a dropped connection) can be made to happen. The form
// is sent as the browser would send it: a plain multipart POST of its fields to the page.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort } from '@ticketing/common/testing';
import { startClient } from '../../../local/stack/src/client';
import type { ChildServer } from '../../../local/stack/src/child-server';

const CLIENT_START_TIMEOUT_MS = 120_000;
const SESSION = Buffer.from(JSON.stringify({ jwt: 'not-checked-by-the-fake-api' })).toString('base64url');
const USER = { id: '65a000000000000000000001', email: 'ada@example.com' };

/** What the fake API answers for one route: a status and a JSON body, or a connection dropped unanswered. */
type FakeAnswer = { status: number; body: unknown } | 'drop';

interface SentRequest {
  method: string;
  contentType: string | undefined;
  body: unknown;
}

let dataDir: string;
let api: Server;
let client: ChildServer | undefined;
let clientUrl: string;
const clientNotices: string[] = [];
let preferencesAnswer: FakeAnswer;
let saveAnswer: FakeAnswer;
let sentToPreferences: SentRequest[];

function signedIn(req: IncomingMessage): boolean {
  return (req.headers.cookie ?? '').split(/;\s*/).includes(`session=${SESSION}`);
}

function answer(res: ServerResponse, { status, body }: { status: number; body: unknown }): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text ? JSON.parse(text) : undefined;
}

async function fakeApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.url === '/api/users/currentuser') {
    answer(res, { status: 200, body: { currentUser: signedIn(req) ? USER : null } });
    return;
  }
  if (req.url === '/api/notifications/preferences') {
    sentToPreferences.push({
      method: req.method ?? '',
      contentType: req.headers['content-type'],
      body: await readBody(req),
    });
    const planned = req.method === 'PUT' ? saveAnswer : preferencesAnswer;
    if (!signedIn(req)) answer(res, { status: 401, body: { errors: [{ message: 'Not signed in' }] } });
    else if (planned === 'drop') req.socket.destroy();
    else answer(res, planned);
    return;
  }
  answer(res, { status: 404, body: { errors: [{ message: 'Not found' }] } });
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'ticketing-account-'));
  api = createServer((req, res) => void fakeApi(req, res));
  const apiPort = await findFreePort();
  await new Promise<void>((resolve) => api.listen(apiPort, '127.0.0.1', resolve));
  const port = await findFreePort();
  clientUrl = `http://127.0.0.1:${port}`;
  client = await startClient({
    runMode: 'build',
    port,
    apiBaseUrl: `http://127.0.0.1:${apiPort}`,
    logFile: path.join(dataDir, 'client.log'),
    startTimeoutMs: CLIENT_START_TIMEOUT_MS,
    onNotice: (message) => clientNotices.push(message),
    onGiveUp: (message) => clientNotices.push(message),
  });
}, CLIENT_START_TIMEOUT_MS);

afterAll(async () => {
  await client?.stop();
  await new Promise((resolve) => api?.close(resolve));
  await rm(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  preferencesAnswer = { status: 200, body: { ticketSold: true, reservationExpired: true, welcome: true } };
  saveAnswer = { status: 500, body: { errors: [{ message: 'No answer planned for this test' }] } };
  sentToPreferences = [];
});

afterEach(() => {
  // The client never crashed nor restarted under any of the answers.
  expect(clientNotices).toEqual([]);
});

/** GET /account with this session cookie, or with none. */
function openAccountPage(session: string | null = SESSION): Promise<Response> {
  return fetch(`${clientUrl}/account`, {
    headers: session ? { cookie: `session=${session}` } : {},
    redirect: 'manual',
  });
}

/** The HTML of the email settings form, from its opening tag to its end. */
function preferencesForm(html: string): string {
  const form = html.match(/<form\b(?:(?!<\/form>)[\s\S])*name="ticketSold"[\s\S]*?<\/form>/)?.[0];
  if (!form) throw new Error('The page shows no email settings form');
  return form.slice(form.lastIndexOf('<form'));
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attribute(tag: string, name: string): string | undefined {
  const value = tag.match(new RegExp(`\\s${name}="([^"]*)"`))?.[1];
  return value === undefined ? undefined : decodeEntities(value);
}

/** The `<input>` tag of the checkbox named `name`. */
function checkbox(form: string, name: string): string {
  const tag = form.match(new RegExp(`<input[^>]*\\sname="${name}"[^>]*>`))?.[0];
  if (!tag) throw new Error(`No checkbox named ${name}`);
  return tag;
}

/** Which of the three boxes are ticked, as the page shows them. */
function ticked(html: string): Record<string, boolean> {
  const form = preferencesForm(html);
  return Object.fromEntries(
    ['ticketSold', 'reservationExpired', 'welcome'].map((name) => [name, /\schecked=""/.test(checkbox(form, name))]),
  );
}

/** The text of the element with this id, tags left out. */
function textOf(html: string, id: string): string | undefined {
  const element = html.match(new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</`))?.[1];
  return element === undefined ? undefined : decodeEntities(element.replace(/<[^>]*>/g, ''));
}

/** Sends the form as a browser without JavaScript does: its hidden fields and the ticked boxes, multipart. */
async function submitPreferences(
  html: string,
  tick: string[],
  { session = SESSION, extra = {} }: { session?: string; extra?: Record<string, string> } = {},
): Promise<Response> {
  const form = preferencesForm(html);
  expect(attribute(form.match(/<form[^>]*>/)![0], 'method')?.toUpperCase()).toBe('POST');
  const fields = new FormData();
  for (const tag of form.match(/<input[^>]*type="hidden"[^>]*>/g) ?? []) {
    fields.append(attribute(tag, 'name')!, attribute(tag, 'value') ?? '');
  }
  for (const name of tick) fields.append(name, attribute(checkbox(form, name), 'value') ?? 'on');
  for (const [name, value] of Object.entries(extra)) fields.append(name, value);
  return fetch(`${clientUrl}/account`, {
    method: 'POST',
    headers: { cookie: `session=${session}`, origin: clientUrl },
    body: fields,
    redirect: 'manual',
  });
}

/** What the page sent to save the preferences, in order. */
function saves(): SentRequest[] {
  return sentToPreferences.filter((request) => request.method === 'PUT');
}

async function pageHtml(response: Response): Promise<string> {
  expect(response.status).toBe(200);
  return response.text();
}

test('a signed-out visitor is sent to sign in, and back to the account page afterwards', async () => {
  const response = await openAccountPage(null);
  expect(response.status).toBe(307);
  expect(response.headers.get('location')).toBe('/auth/signin?next=%2Faccount');
  expect(sentToPreferences).toEqual([]);
});

test('shows the email and a labelled checkbox for each optional email, ticked as the API says', async () => {
  preferencesAnswer = { status: 200, body: { ticketSold: false, reservationExpired: true, welcome: false } };
  const html = await pageHtml(await openAccountPage());

  expect(html).toContain('<h1 class="mb-4 text-2xl font-bold">Your account</h1>');
  expect(html).toContain(USER.email);
  expect(html).toMatch(/<a [^>]*href="\/account"[^>]*>My account<\/a>/);
  expect(html).toContain('Receipts for the tickets you buy and notices of refunds are always sent');
  const form = preferencesForm(html);
  expect(form).toMatch(/<fieldset[^>]*><legend[^>]*>Email me when<\/legend>/);
  expect(ticked(html)).toEqual({ ticketSold: false, reservationExpired: true, welcome: false });
  for (const [name, label] of [
    ['ticketSold', 'A ticket I am selling has been sold'],
    ['reservationExpired', 'My reservation ran out before I paid'],
    ['welcome', 'Welcome and news from Ticketing'],
  ]) {
    expect(attribute(checkbox(form, name), 'type')).toBe('checkbox');
    expect(attribute(checkbox(form, name), 'id')).toBe(name);
    expect(form).toContain(`<label for="${name}" class="font-medium text-slate-800">${label}</label>`);
    expect(attribute(checkbox(form, name), 'aria-describedby')).toBe(`${name}-hint`);
    expect(textOf(form, `${name}-hint`)).toMatch(/^As a (seller|buyer)|^Getting started/);
  }
  expect(sentToPreferences).toEqual([{ method: 'GET', contentType: undefined, body: undefined }]);
});

test('saving without JavaScript sends the three choices alone and shows them saved', async () => {
  const html = await pageHtml(await openAccountPage());
  saveAnswer = { status: 200, body: { ticketSold: false, reservationExpired: true, welcome: false } };

  // A field added to the form by hand goes no further than the client.
  const saved = await pageHtml(await submitPreferences(html, ['reservationExpired'], { extra: { sms: 'on' } }));

  expect(saves()).toEqual([
    {
      method: 'PUT',
      contentType: 'application/json',
      body: { ticketSold: false, reservationExpired: true, welcome: false },
    },
  ]);
  expect(saved).toMatch(/<p role="status"[^>]*>Your email settings are saved.<\/p>/);
  expect(ticked(saved)).toEqual({ ticketSold: false, reservationExpired: true, welcome: false });
});

test('what the API saved is what the boxes show, all of them off or on', async () => {
  const html = await pageHtml(await openAccountPage());
  saveAnswer = { status: 200, body: { ticketSold: false, reservationExpired: false, welcome: false } };
  const allOff = await pageHtml(await submitPreferences(html, []));
  expect(saves()[0].body).toEqual({ ticketSold: false, reservationExpired: false, welcome: false });
  expect(ticked(allOff)).toEqual({ ticketSold: false, reservationExpired: false, welcome: false });

  saveAnswer = { status: 200, body: { ticketSold: true, reservationExpired: true, welcome: true } };
  const allOn = await pageHtml(await submitPreferences(allOff, ['ticketSold', 'reservationExpired', 'welcome']));
  expect(saves()[1].body).toEqual({ ticketSold: true, reservationExpired: true, welcome: true });
  expect(ticked(allOn)).toEqual({ ticketSold: true, reservationExpired: true, welcome: true });
});

test("the API's error about one choice shows under its box; the boxes keep what was sent, nothing said saved", async () => {
  const html = await pageHtml(await openAccountPage());
  saveAnswer = {
    status: 400,
    body: { errors: [{ message: 'welcome must be true or false', field: 'welcome' }] },
  };

  const refused = await pageHtml(await submitPreferences(html, ['ticketSold']));

  const form = preferencesForm(refused);
  expect(textOf(form, 'welcome-error')).toBe('welcome must be true or false');
  expect(attribute(checkbox(form, 'welcome'), 'aria-invalid')).toBe('true');
  expect(attribute(checkbox(form, 'welcome'), 'aria-describedby')).toBe('welcome-hint welcome-error');
  expect(attribute(checkbox(form, 'ticketSold'), 'aria-invalid')).toBeUndefined();
  expect(ticked(refused)).toEqual({ ticketSold: true, reservationExpired: false, welcome: false });
  expect(refused).not.toContain('Your email settings are saved.');
  expect(form).not.toContain('role="alert"');
});

test('an error of no field, or the notifications API down while saving, shows as an alert above the form', async () => {
  const html = await pageHtml(await openAccountPage());
  saveAnswer = { status: 400, body: { errors: [{ message: 'Unknown field: sms', field: 'sms' }] } };
  const unknownField = preferencesForm(await pageHtml(await submitPreferences(html, ['welcome'])));
  expect(unknownField).toMatch(/<div role="alert"[^>]*><p>Unknown field: sms<\/p><\/div>/);

  saveAnswer = { status: 502, body: { errors: [{ message: 'Notifications is not available' }] } };
  const gatewayDown = preferencesForm(await pageHtml(await submitPreferences(html, ['welcome'])));
  expect(gatewayDown).toMatch(/<div role="alert"[^>]*><p>Notifications is not available<\/p><\/div>/);

  saveAnswer = 'drop';
  const dropped = await pageHtml(await submitPreferences(html, ['welcome']));
  expect(preferencesForm(dropped)).toMatch(
    /<div role="alert"[^>]*><p>The service is not available right now: try again in a moment<\/p><\/div>/,
  );
  expect(ticked(dropped)).toEqual({ ticketSold: false, reservationExpired: false, welcome: true });
});

test('a session that ended before saving is sent to sign in, and back to the account page', async () => {
  const html = await pageHtml(await openAccountPage());
  const response = await submitPreferences(html, ['welcome'], { session: 'an-ended-session' });
  expect(response.status).toBe(303);
  expect(response.headers.get('location')).toBe('/auth/signin?next=%2Faccount');
});

test.each<[string, FakeAnswer, string]>([
  [
    'answers 503',
    { status: 503, body: { errors: [{ message: 'Notifications is not ready' }] } },
    'Notifications is not ready',
  ],
  ['answers 500 with no errors', { status: 500, body: {} }, 'The service is not available right now'],
  ['drops the connection', 'drop', 'The service is not available right now: try again in a moment'],
])('the page still shows, saying why there are no settings, when the notifications API %s', async (_, down, why) => {
  preferencesAnswer = down;
  const html = await pageHtml(await openAccountPage());
  expect(html).toContain(USER.email);
  expect(html).toMatch(
    new RegExp(`<div role="alert"[^>]*><p[^>]*>Your email settings cannot be shown right now.</p><p>${why}`),
  );
  expect(html).not.toContain('name="ticketSold"');
});
