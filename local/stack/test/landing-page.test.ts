import { startGateway, type Gateway } from '../src/gateway';
import { landingPage } from '../src/landing-page';

const apis = [{ prefix: '/api/users', title: 'Users' }];
let gateways: Gateway[] = [];

async function gatewayUrl(clientRuns: boolean, mailInbox = false): Promise<string> {
  const gateway = await startGateway({
    host: '127.0.0.1',
    port: 0,
    routes: [],
    // A port nothing listens on: the page is served by the gateway, never by a client.
    clientPorts: clientRuns ? [1] : undefined,
    landingPage: landingPage(apis, { clientRuns, mailInbox }),
  });
  gateways.push(gateway);
  return gateway.url;
}

afterEach(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  gateways = [];
});

test('lists the APIs with links to their documentation at /api, and points to the client', async () => {
  const url = await gatewayUrl(true);
  for (const path of ['/api', '/api/']) {
    const response = await fetch(`${url}${path}`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await response.text();
    expect(page).toContain('<code>/api/users</code> — Users');
    expect(page).toContain('<a href="/api/users/docs">docs</a>');
    expect(page).toContain('<a href="/api/users/docs.json">OpenAPI JSON</a>');
    expect(page).toContain('The web client is at <a href="/">/</a>');
  }
});

test('points to the mail inbox when the mail sink runs, and only then', async () => {
  const withInbox = await (await fetch(`${await gatewayUrl(true, true)}/api`)).text();
  const withoutInbox = await (await fetch(`${await gatewayUrl(true, false)}/api`)).text();

  expect(withInbox).toContain('read it in the inbox at <a href="/mail">/mail</a>');
  expect(withInbox).toContain('as JSON at <a href="/mail/api/messages">/mail/api/messages</a>');
  expect(withoutInbox).not.toContain('/mail');
});

test('is served for every path outside /api when the client does not run, and says so', async () => {
  const url = await gatewayUrl(false);
  for (const path of ['/', '/tickets/new', '/api']) {
    const response = await fetch(`${url}${path}`);

    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('<a href="/api/users/docs">docs</a>');
    expect(page).toContain('The web client was not started');
  }
});

test('answers HEAD with the headers only', async () => {
  const response = await fetch(`${await gatewayUrl(true)}/api`, { method: 'HEAD' });

  expect(response.status).toBe(200);
  expect(Number(response.headers.get('content-length'))).toBeGreaterThan(0);
  expect(await response.text()).toBe('');
});

test('answers other methods with the JSON 404 of an unknown route', async () => {
  const response = await fetch(`${await gatewayUrl(true)}/api`, { method: 'POST', body: 'hello' });

  expect(response.status).toBe(404);
  expect(await response.json()).toEqual({ errors: [{ message: 'No such route: check the method and the path' }] });
});
