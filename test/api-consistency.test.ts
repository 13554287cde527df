// Walks every route of every service's OpenAPI document and checks that the services speak as
// one API: JSON-only bodies, unknown fields refused, one error format, every answer documented,
// one title style. The apps are built without any server: none of these requests reaches a database.
import { setPublicOrigins, type OpenApiDocument } from '@ticketing/common';
import { signin } from '@ticketing/common/testing';
import type { Express } from 'express';
import request from 'supertest';
import { gzipSync } from 'node:zlib';
import { openApiDocument as authDocument } from '../auth/src/openapi';
import { ordersOpenApi } from '../orders/src/openapi';
import { openApiDocument as paymentsDocument } from '../payments/src/openapi';
import { openApiDocument as ticketsDocument } from '../tickets/src/openapi';
import { buildServiceApp } from './service-apps';

interface Service {
  name: string;
  document: OpenApiDocument;
  /** Loaded in a module registry of its own: the services' models share names (Order, Ticket) on mongoose. */
  buildApp(): Promise<Express>;
  app?: Express;
}

const services: Service[] = [
  { name: 'auth', document: authDocument, buildApp: () => buildServiceApp('auth') },
  { name: 'tickets', document: ticketsDocument, buildApp: () => buildServiceApp('tickets') },
  { name: 'orders', document: ordersOpenApi, buildApp: () => buildServiceApp('orders') },
  { name: 'payments', document: paymentsDocument, buildApp: () => buildServiceApp('payments') },
];

/** Where the site is, as PUBLIC_ORIGIN says in production (runService sets it on every app). */
const PUBLIC_ORIGIN = 'https://tickets.example.com';

beforeAll(async () => {
  for (const service of services) {
    await jest.isolateModulesAsync(async () => {
      service.app = await service.buildApp();
    });
    setPublicOrigins(service.app!, [PUBLIC_ORIGIN]);
  }
});

interface Operation {
  service: Service;
  method: string;
  /** The documented path, e.g. `/api/tickets/{id}`. */
  path: string;
  /** The path with its parameters filled in with a well-formed id. */
  url: string;
  signedIn: boolean;
  /** Whether it is a paginated list (takes `limit`). */
  paginated: boolean;
  body?: { required?: boolean; content?: Record<string, { schema?: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

const WRITE_METHODS = ['post', 'put', 'patch', 'delete'];
const SOME_ID = '6b01f1392dad1b761be159a8';

function operationsOf(service: Service): Operation[] {
  return Object.entries(service.document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, spec]) => {
      const operation = spec as {
        security?: Record<string, unknown>[];
        parameters?: { name: string }[];
        requestBody?: Operation['body'];
        responses: Operation['responses'];
      };
      return {
        service,
        method,
        path,
        url: path.replace(/\{\w+\}/g, SOME_ID),
        // `[{}, { session: [] }]` means the session is optional.
        signedIn:
          (operation.security ?? []).some((scheme) => 'session' in scheme) &&
          !(operation.security ?? []).some((scheme) => Object.keys(scheme).length === 0),
        paginated: (operation.parameters ?? []).some((parameter) => parameter.name === 'limit'),
        body: operation.requestBody,
        responses: operation.responses,
      };
    }),
  );
}

const operations = services.flatMap(operationsOf);
const writeOperations = operations.filter((operation) => WRITE_METHODS.includes(operation.method));
// Stripe's webhook takes whatever Stripe sends (a Stripe Event), checked by its signature instead of field by field.
const STRIPE_WEBHOOK = '/api/payments/webhook';
const fieldCheckedOperations = writeOperations.filter((operation) => operation.path !== STRIPE_WEBHOOK);

const label = (operation: Operation) => `${operation.method.toUpperCase()} ${operation.path}`;

function send(operation: Operation) {
  const req = request(operation.service.app!)[operation.method as 'post'](operation.url);
  return operation.signedIn ? req.set('Cookie', signin()) : req;
}

/** The error body every service answers with: `{ errors: [{ message, field? }] }` and nothing else. */
function expectErrorFormat(body: unknown): void {
  expect(body).toEqual({
    errors: expect.arrayContaining([expect.objectContaining({ message: expect.any(String) })]),
  });
  for (const error of (body as { errors: Record<string, unknown>[] }).errors) {
    expect(Object.keys(error).filter((key) => key !== 'message' && key !== 'field')).toEqual([]);
    expect(error.message).toMatch(/^[A-Z]/);
    if ('field' in error) expect(typeof error.field).toBe('string');
  }
}

function expectDocumented(operation: Operation, status: number): void {
  expect({ operation: label(operation), status, documented: String(status) in operation.responses }).toEqual({
    operation: label(operation),
    status,
    documented: true,
  });
}

it('has routes to check in every service', () => {
  for (const service of services) {
    expect(operationsOf(service).length).toBeGreaterThan(1);
  }
  expect(fieldCheckedOperations.length).toBeGreaterThanOrEqual(9);
});

describe.each(writeOperations.map((operation) => [label(operation), operation] as const))('%s', (_label, operation) => {
  it.each([
    ['text/plain', 'hello'],
    ['application/x-www-form-urlencoded', 'a=1&b=2'],
    ['application/json; charset=latin1', '{}'],
  ])('answers a %s body with 415 in the error format, as documented', async (contentType, payload) => {
    const response = await send(operation).set('Content-Type', contentType).send(payload);
    expect(response.status).toBe(415);
    expectErrorFormat(response.body);
    expectDocumented(operation, 415);
  });

  it.each([
    ['an Origin of another site', { Origin: 'https://evil.example' }],
    ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
    ['Sec-Fetch-Site: cross-site and our Origin', { 'Sec-Fetch-Site': 'cross-site', Origin: PUBLIC_ORIGIN }],
  ])('refuses a request with %s with 403 in the error format, as documented', async (_case, headers) => {
    const response = await send(operation).set(headers).send({});
    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      errors: [{ message: 'This request came from another website: changes are accepted only from our own pages' }],
    });
    expectDocumented(operation, 403);
  });

  it.each([
    ['our Origin', { Origin: PUBLIC_ORIGIN, 'Sec-Fetch-Site': 'same-origin' }],
    ['no Origin (a program: curl, the client’s server, a webhook)', {}],
  ])('lets a request with %s through to the body checks', async (_case, headers) => {
    const response = await send(operation).set(headers).set('Content-Type', 'text/plain').send('hello');
    expect(response.status).toBe(415);
  });

  it('refuses a compressed body (a gzip bomb is one) with 415 in the error format, as documented', async () => {
    const bomb = gzipSync(JSON.stringify({ padding: ' '.repeat(20 * 1024 * 1024) }));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const response = await send(operation)
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send(bomb);
    expect(response.status).toBe(415);
    expect(response.body).toEqual({
      errors: [{ message: 'Send the request body uncompressed (no Content-Encoding)' }],
    });
    expectDocumented(operation, 415);
  });

  it('answers a body over the size limit with 413 in the error format, as documented', async () => {
    const response = await send(operation)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ padding: 'x'.repeat(2 * 1024 * 1024) }));
    expect(response.status).toBe(413);
    expectErrorFormat(response.body);
    expectDocumented(operation, 413);
  });
});

describe.each(fieldCheckedOperations.map((operation) => [label(operation), operation] as const))(
  '%s',
  (_label, operation) => {
    it('refuses an unknown field with 400 naming it, in the error format, as documented', async () => {
      const response = await send(operation).send({ surpriseField: 1 });
      expect(response.status).toBe(400);
      expectErrorFormat(response.body);
      expect(response.body.errors).toContainEqual({
        message: 'Unknown field surpriseField: remove it from the request',
        field: 'surpriseField',
      });
      expectDocumented(operation, 400);
    });

    it('refuses a query operator in place of any field (an injection attempt) with 400 naming the field', async () => {
      const schema = operation.body?.content?.['application/json']?.schema as
        { properties?: Record<string, unknown> } | undefined;
      for (const field of Object.keys(schema?.properties ?? {})) {
        const response = await send(operation).send({ [field]: { $gt: '' } });
        expect({ field, status: response.status }).toEqual({ field, status: 400 });
        expectErrorFormat(response.body);
        expect(response.body.errors).toContainEqual(expect.objectContaining({ field }));
      }
    });

    it('answers a JSON body that is not an object with 400 in the error format', async () => {
      const response = await send(operation).send([{ surpriseField: 1 }]);
      expect(response.status).toBe(400);
      expectErrorFormat(response.body);
    });

    it('documents its body as JSON that refuses unknown fields', () => {
      if (!operation.body) return;
      expect(Object.keys(operation.body.content ?? {})).toEqual(['application/json']);
      expect(operation.body.content?.['application/json'].schema).toMatchObject({ additionalProperties: false });
    });

    if (operation.signedIn) {
      it('answers 401 in the error format when signed out, as documented', async () => {
        const response = await request(operation.service.app!)[operation.method as 'post'](operation.url).send({});
        expect(response.status).toBe(401);
        expect(response.body).toEqual({ errors: [{ message: 'Sign in to do this' }] });
        expectDocumented(operation, 401);
      });
    }
  },
);

const paginatedOperations = operations.filter((operation) => operation.paginated);

describe.each(paginatedOperations.map((operation) => [label(operation), operation] as const))(
  '%s',
  (_label, operation) => {
    it.each([
      ['a huge limit', 'limit=1000000000'],
      ['a negative limit', 'limit=-5'],
      ['a limit that is not a number', 'limit=ten'],
      ['two limits', 'limit=5&limit=6'],
      ['a cursor that is not an id', 'cursor=zzz'],
      ['a query operator as cursor', `cursor=${encodeURIComponent('{"$gt":""}')}`],
    ])('refuses %s with 400 in the error format, as documented', async (_case, query) => {
      const response = await (operation.signedIn
        ? request(operation.service.app!).get(`${operation.url}?${query}`).set('Cookie', signin())
        : request(operation.service.app!).get(`${operation.url}?${query}`));
      expect(response.status).toBe(400);
      expectErrorFormat(response.body);
      expectDocumented(operation, 400);
    });
  },
);

/** The headers every answer of every service carries (helmet's, as createServiceApp sets them). */
function expectSecurityHeaders(response: request.Response): void {
  expect(response.headers).toMatchObject({
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
  });
  expect(response.headers['content-security-policy']).toContain("default-src 'self'");
}

/**
 * A request every route answers before reaching a database: a write gets a text body (415), a
 * signed-in route no session (401), a paginated list `limit=0` (400), an id route a malformed id (404).
 */
function answeredEarly(operation: Operation) {
  const url = operation.path.replace(/\{\w+\}/g, 'not-an-id') + (operation.paginated ? '?limit=0' : '');
  const req = request(operation.service.app!)[operation.method as 'post'](url);
  return WRITE_METHODS.includes(operation.method) ? req.set('Content-Type', 'text/plain').send('hello') : req;
}

describe('security headers', () => {
  it.each(operations.map((operation) => [label(operation), operation] as const))(
    '%s: its answer carries them',
    async (_label, operation) => {
      const response = await answeredEarly(operation);
      expect(response.status).toBeLessThan(500);
      expectSecurityHeaders(response);
    },
  );

  it.each(services.map((service) => [service.name, service] as const))(
    '%s: its docs page, with every script and stylesheet it loads, carries them and loads nothing inline or foreign',
    async (_name, service) => {
      const basePath = Object.keys(service.document.paths)[0].split('/').slice(0, 3).join('/');
      const page = await request(service.app!).get(`${basePath}/docs/`);
      expect(page.status).toBe(200);
      expectSecurityHeaders(page);
      // The policy's script-src is 'self': an inline script would not run.
      expect(page.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
      const assets = [...page.text.matchAll(/(?:src|href)=["']\.\/([\w.-]+\.(?:js|css))["']/g)].map(
        (match) => match[1],
      );
      expect(assets).toEqual(expect.arrayContaining(['swagger-ui-bundle.js', 'swagger-ui-init.js', 'swagger-ui.css']));
      expect(page.text).not.toMatch(/(?:src|href)=["']https?:/);
      for (const asset of assets) {
        const response = await request(service.app!).get(`${basePath}/docs/${asset}`);
        expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
        expectSecurityHeaders(response);
      }
      expectSecurityHeaders(await request(service.app!).get(`${basePath}/docs.json`));
    },
  );

  it('are on error answers: an unknown route, a malformed body', async () => {
    for (const service of services) {
      expectSecurityHeaders(await request(service.app!).get('/api/no/such/route'));
      const malformed = await request(service.app!)
        .post(Object.keys(service.document.paths)[0])
        .set('Content-Type', 'application/json')
        .send('{"broken');
      expect(malformed.status).toBe(400);
      expectSecurityHeaders(malformed);
    }
  });
});

describe('Cache-Control: no-store', () => {
  it.each(operations.map((operation) => [label(operation), operation] as const))(
    '%s: on its answer to a request with the session cookie',
    async (_label, operation) => {
      const response = await answeredEarly(operation).set('Cookie', signin());
      expect(response.headers['cache-control']).toBe('no-store');
    },
  );

  it('on the current user', async () => {
    const auth = services.find((service) => service.name === 'auth')!;
    const response = await request(auth.app!).get('/api/users/currentuser').set('Cookie', signin());
    expect(response.status).toBe(200);
    expect(response.body.currentUser).toMatchObject({ email: expect.any(String) });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('not on an anonymous read, which is the same for everybody', async () => {
    const tickets = services.find((service) => service.name === 'tickets')!;
    const response = await request(tickets.app!).get('/api/tickets/not-an-id');
    expect(response.status).toBe(404);
    expect(response.headers['cache-control']).toBeUndefined();
  });
});

describe('every document', () => {
  it.each(services.map((service) => [service.name, service] as const))(
    '%s: titled like the others, and every failure it documents is in the error format',
    (_name, service) => {
      expect(service.document.info.title).toMatch(/^Ticketing — [A-Z][a-z]+ API$/);
      expect(service.document.components?.schemas).toHaveProperty('Errors');
      for (const operation of operationsOf(service)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (Number(status) < 400) continue;
          expect({
            operation: label(operation),
            status,
            schema: response.content?.['application/json']?.schema,
          }).toEqual({
            operation: label(operation),
            status,
            schema: { $ref: '#/components/schemas/Errors' },
          });
        }
      }
    },
  );

  it('answers an unknown route of every service with 404 in the error format', async () => {
    for (const service of services) {
      const base = Object.keys(service.document.paths)[0].split('/').slice(0, 3).join('/');
      const response = await request(service.app!).get(`${base}/no/such/route`);
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ errors: [{ message: 'No such route: check the method and the path' }] });
    }
  });
});
