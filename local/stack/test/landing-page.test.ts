import { startGateway, type Gateway } from '../src/gateway';
import { landingPage } from '../src/landing-page';

let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway({
    host: '127.0.0.1',
    port: 0,
    routes: [],
    fallback: landingPage([{ prefix: '/api/users', title: 'Users' }]),
  });
});

afterAll(() => gateway.stop());

test('lists the APIs with links to their documentation, for any path outside /api', async () => {
  for (const path of ['/', '/tickets/new']) {
    const response = await fetch(`${gateway.url}${path}`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await response.text();
    expect(page).toContain('<code>/api/users</code> — Users');
    expect(page).toContain('<a href="/api/users/docs">docs</a>');
    expect(page).toContain('<a href="/api/users/docs.json">OpenAPI JSON</a>');
  }
});

test('answers HEAD with the headers only', async () => {
  const response = await fetch(`${gateway.url}/`, { method: 'HEAD' });

  expect(response.status).toBe(200);
  expect(Number(response.headers.get('content-length'))).toBeGreaterThan(0);
  expect(await response.text()).toBe('');
});

test('answers other methods with the JSON 404 of an unknown route', async () => {
  const response = await fetch(`${gateway.url}/`, { method: 'POST', body: 'hello' });

  expect(response.status).toBe(404);
  expect(await response.json()).toEqual({ errors: [{ message: 'No such route: check the method and the path' }] });
});
