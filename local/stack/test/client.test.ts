// The web client behind the gateway, as the ingress routes it in Kubernetes. Its production build
// is made when it is missing or stale, so once per run at most: this is the only test file that
// starts the client, so that two builds never race for client/.next.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseJwtPrivateKey } from '@ticketing/common';
import { signin } from '@ticketing/common/testing';
import { startStack, StackStartError, type Stack } from '../src';
import { startClient, type ClientOptions } from '../src/client';
import { repoRoot } from '../src/services';
import { allFree, freePorts, HttpUser, makeTempDir, removeDir } from './helpers';

// A clean production build of the client takes about 30 s on a two-core machine, more while other
// test files run; then ten seconds to start the services.
const CLIENT_TEST_TIMEOUT_MS = 300_000;

let dataDir: string;
let stack: Stack | undefined;

beforeEach(async () => {
  dataDir = await makeTempDir();
});

afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  await removeDir(dataDir);
});

test(
  'serves the client at /, the list of APIs at /api, and the client calls the API through the gateway',
  async () => {
    const lines: string[] = [];
    stack = await startStack({
      dataDir,
      runMode: 'source',
      client: true,
      onServiceLine: (name, line) => name === 'client' && lines.push(line),
    });
    expect(stack.client).toEqual({
      port: expect.any(Number),
      url: `http://127.0.0.1:${stack.client!.port}`,
      logFile: path.join(dataDir, 'logs/client.log'),
    });

    const seller = new HttpUser(stack.url, 'seller@example.com');
    expect(
      (await seller.request('POST', '/api/users/signup', { email: seller.email, password: 'pw-seller' })).status,
    ).toBe(201);
    expect((await seller.request('POST', '/api/tickets', { title: 'Harbour jazz night', price: 42.5 })).status).toBe(
      201,
    );

    // PUBLIC_ORIGIN is the gateway's: a page of the site may write, another site's page may not.
    const signupFrom = (origin: string, email: string) =>
      fetch(`${stack!.url}/api/users/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify({ email, password: 'pw-from-a-page' }),
      });
    expect((await signupFrom(stack.url, 'our-page@example.com')).status).toBe(201);
    expect((await signupFrom(stack.url.replace('127.0.0.1', 'localhost'), 'localhost@example.com')).status).toBe(201);
    expect((await signupFrom('https://evil.example', 'other-site@example.com')).status).toBe(403);

    const home = await fetch(`${stack.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await home.text();
    expect(html).toContain('<html');
    expect(html).toContain('Tickets for sale');
    // Rendered on the client's server from GET /api/tickets, which it sent to the gateway.
    expect(html).toContain('Harbour jazz night');
    // The client's own security headers: a policy whose nonce is on every script of the page.
    expect(home.headers.get('x-content-type-options')).toBe('nosniff');
    expect(home.headers.get('x-frame-options')).toBe('DENY');
    expect(home.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    const policy = home.headers.get('content-security-policy') ?? '';
    for (const directive of ["frame-ancestors 'none'", "base-uri 'self'", "object-src 'none'", "form-action 'self'"]) {
      expect(policy).toContain(directive);
    }
    const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
    expect(nonce).toEqual(expect.any(String));
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((match) => match[0]);
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.filter((script) => !script.includes(`nonce="${nonce}"`))).toEqual([]);
    const again = await fetch(`${stack.url}/`);
    expect(again.headers.get('content-security-policy')).not.toContain(nonce);

    // A page request renews a session token past half its life: the browser gets a new token of the
    // same session, with a new expiry. A younger token is left alone.
    const signingKey = parseJwtPrivateKey(stack.jwtKeys.privateKey);
    const now = Math.floor(Date.now() / 1000);
    const claimsOf = (cookie: string) => {
      const { jwt } = JSON.parse(Buffer.from(cookie.split(';')[0].slice('session='.length), 'base64').toString()) as {
        jwt: string;
      };
      return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as { sid: string; exp: number };
    };
    const halfSpent = signin({ sessionId: 'page-session', signingKey, issuedAt: now - 600, expiresIn: 300 });
    const renewing = await fetch(`${stack.url}/`, { headers: { cookie: halfSpent[0] } });
    expect(renewing.status).toBe(200);
    const renewed = renewing.headers.getSetCookie().find((line) => line.startsWith('session='));
    expect(renewed).toEqual(expect.any(String));
    expect(claimsOf(renewed!)).toMatchObject({ sid: 'page-session', exp: expect.any(Number) });
    expect(claimsOf(renewed!).exp).toBeGreaterThan(claimsOf(halfSpent[0]).exp);
    const young = await fetch(`${stack.url}/`, { headers: { cookie: signin({ signingKey, expiresIn: 300 })[0] } });
    expect(young.headers.getSetCookie().filter((line) => line.startsWith('session='))).toEqual([]);

    const apis = await fetch(`${stack.url}/api`);
    expect(apis.status).toBe(200);
    const page = await apis.text();
    expect(page).toContain('<a href="/api/tickets/docs">docs</a>');
    expect(page).toContain('The web client is at <a href="/">/</a>');

    const nothing = await fetch(`${stack.url}/api/nothing`);
    expect(nothing.status).toBe(404);
    expect(await nothing.json()).toEqual({ errors: [{ message: 'No such route: check the method and the path' }] });

    expect(lines.join('\n')).toMatch(/Ready in/);
    expect(readFileSync(stack.client!.logFile, 'utf8')).toMatch(/Ready in/);

    const clientPort = stack.client!.port;
    await stack.stop();
    stack = undefined;
    expect(await allFree([clientPort])).toBe(true);
  },
  CLIENT_TEST_TIMEOUT_MS,
);

/** What startClient fails with, the API being nowhere (the client fails before it calls one). */
function clientStartError(options: Pick<ClientOptions, 'runMode' | 'port' | 'root'>): Promise<unknown> {
  return startClient({
    ...options,
    apiBaseUrl: 'http://127.0.0.1:9',
    logFile: path.join(dataDir, 'logs/client.log'),
    // Long enough for `next start` to have logged why it cannot serve.
    startTimeoutMs: 8_000,
    onNotice: () => undefined,
    onGiveUp: () => undefined,
  }).then(
    // Not expected: stopped, so that the test fails without leaving it running.
    async (client) => client.stop(),
    (error: unknown) => error,
  );
}

test(
  'a client that fails to start: one line naming it and what it logged, and nothing left running',
  async () => {
    const [port] = await freePorts(1);
    const currency = process.env.PAYMENT_CURRENCY;
    // The client checks its configuration when its server starts.
    process.env.PAYMENT_CURRENCY = 'dollars';
    try {
      const error = await clientStartError({ runMode: 'source', port });
      expect(error).toBeInstanceOf(StackStartError);
      expect(error).toMatchObject({ component: 'client' });
      expect((error as Error).message).toMatch(
        /^client .*PAYMENT_CURRENCY: must be a three-letter ISO currency code.* \(see .+client\.log\)$/,
      );
      expect((error as Error).message).not.toContain('\n');
    } finally {
      if (currency === undefined) delete process.env.PAYMENT_CURRENCY;
      else process.env.PAYMENT_CURRENCY = currency;
    }
    expect(await allFree([port])).toBe(true);
  },
  CLIENT_TEST_TIMEOUT_MS,
);

test('a client that fails to build: one line naming it and what went wrong', async () => {
  // A repository of its own, whose node_modules (for Next.js) are this one's.
  const root = await makeTempDir();
  try {
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
    mkdirSync(path.join(root, 'client'));
    writeFileSync(path.join(root, 'client/package.json'), '{ "name": "broken-client", "private": true }\n');
    writeFileSync(path.join(root, 'client/next.config.mjs'), "throw new Error('this client cannot be built');\n");
    const [port] = await freePorts(1);

    const error = await clientStartError({ root, runMode: 'build', port });

    expect(error).toBeInstanceOf(StackStartError);
    expect(error).toMatchObject({
      component: 'client',
      message: `client build exited with code 1: Error: this client cannot be built (see ${dataDir}/logs/client.log)`,
    });
    expect(await allFree([port])).toBe(true);
  } finally {
    await removeDir(root);
  }
}, 60_000);
