import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChargeStore, type Charge } from './charges';
import { invalidRequest, StripeApiError } from './errors';
import { canonicalForm, parseForm, type FormObject } from './form';
import { IdempotencyStore } from './idempotency';
import { stripeId } from './ids';
import { readExpand, rejectUnknownParams } from './params';
import { PaymentIntentStore, type PaymentIntent } from './payment-intents';
import { RefundStore, type Refund } from './refunds';
import { buildEvent, FAKE_API_VERSION, WebhookSender, type StripeEvent } from './webhooks';

export interface FakeStripeOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Interface to listen on; default loopback only. */
  bindHost?: string;
  /** The only API key accepted. */
  secretKey: string;
  /** Signs webhook events; default a random `whsec_...`. */
  webhookSecret?: string;
  /** Where events are posted; none means events are only recorded. */
  webhookUrl?: string;
  webhookRetryDelayMs?: number;
  webhookMaxAttempts?: number;
  /** Told about webhook deliveries that gave up; default silent. */
  onWebhookGiveUp?(event: StripeEvent, lastError: string): void;
}

export interface FakeStripe {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** host, port and protocol as the Stripe SDK's options take them. */
  host: string;
  port: number;
  protocol: 'http';
  secretKey: string;
  webhookSecret: string;
  /** Snapshots of every PaymentIntent created, in creation order. */
  readonly paymentIntents: PaymentIntent[];
  /** Every attempt to charge a card, succeeded or failed, as it is now (refunds included). */
  readonly charges: Charge[];
  /** Every refund made, in order. */
  readonly refunds: Refund[];
  /** Every event generated, in order (sent to the webhook endpoint when one is set). */
  readonly events: StripeEvent[];
  /** Simulates the customer finishing 3-D Secure: the intent succeeds and payment_intent.succeeded is sent. */
  completeAction(paymentIntentId: string): PaymentIntent;
  setWebhookUrl(url: string | undefined): void;
  /** Delivers a recorded event once more (as Stripe may), resolving with the endpoint's status. */
  resendEvent(eventId: string): Promise<number>;
  /** Resolves once every webhook delivery started so far has finished or given up. */
  flushWebhooks(): Promise<void>;
  /** Simulates an outage: stops listening and drops open connections (requests fail to connect); state is kept. */
  goOffline(): Promise<void>;
  /** Ends the outage: listens again on the same port. */
  goOnline(): Promise<void>;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * A small stand-in for the Stripe API, enough for the real `stripe` SDK: PaymentIntents
 * (create, retrieve, confirm) with Stripe's test payment methods, their Charges, Refunds,
 * secret-key authentication, idempotent requests, Stripe's error shapes, and signed webhook events.
 */
export async function startFakeStripe(options: FakeStripeOptions): Promise<FakeStripe> {
  const host = options.bindHost ?? '127.0.0.1';
  const webhookSecret = options.webhookSecret ?? `whsec_${randomBytes(24).toString('hex')}`;
  const events: StripeEvent[] = [];
  const webhooks = new WebhookSender({
    secret: webhookSecret,
    url: options.webhookUrl,
    retryDelayMs: options.webhookRetryDelayMs,
    maxAttempts: options.webhookMaxAttempts,
    onGiveUp: options.onWebhookGiveUp,
  });
  let baseUrl = '';
  const emit = (type: string, object: unknown) => {
    const event = buildEvent(type, object);
    events.push(event);
    webhooks.send(event);
  };
  const charges = new ChargeStore();
  const intents = new PaymentIntentStore(charges, () => baseUrl, emit);
  const refunds = new RefundStore(charges, intents, (event) => emit(event.type, event.object));
  const idempotency = new IdempotencyStore();

  const server = createServer((req, res) => {
    handleRequest(req, res).catch((err: unknown) => {
      const apiError =
        err instanceof StripeApiError
          ? err
          : new StripeApiError(500, {
              type: 'api_error',
              message: 'An unknown error occurred in the fake Stripe API.',
            });
      sendJson(res, apiError.statusCode, JSON.stringify({ error: apiError.body }));
    });
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('Request-Id', stripeId('req', 14));
    res.setHeader('Stripe-Version', headerValue(req, 'stripe-version') ?? FAKE_API_VERSION);
    const url = new URL(req.url ?? '/', 'http://fake-stripe');
    const method = req.method ?? 'GET';

    const authenticateMatch = /^\/_fake\/authenticate\/([\w-]+)$/.exec(url.pathname);
    if (method === 'GET' && authenticateMatch) {
      authenticatePage(res, authenticateMatch[1], url.searchParams.get('client_secret'));
      return;
    }

    checkApiKey(req, options.secretKey);
    const body = method === 'POST' ? await readBody(req) : '';
    const params = parseForm(method === 'POST' ? body : url.search.slice(1));
    const run = route(method, url.pathname);

    const idempotencyKey = method === 'POST' ? headerValue(req, 'idempotency-key') : undefined;
    if (!idempotencyKey) {
      const { statusCode, body: responseBody } = execute(() => run(params));
      sendJson(res, statusCode, responseBody);
      return;
    }
    res.setHeader('Idempotency-Key', idempotencyKey);
    const fingerprint = `${method} ${url.pathname} ${canonicalForm(params)}`;
    const previous = idempotency.lookup(idempotencyKey, fingerprint);
    if (previous.kind === 'replay') {
      res.setHeader('Idempotent-Replayed', 'true');
      sendJson(res, previous.statusCode, previous.body);
      return;
    }
    const { statusCode, body: responseBody } = execute(() => run(params));
    idempotency.save(idempotencyKey, fingerprint, statusCode, responseBody);
    sendJson(res, statusCode, responseBody);
  }

  function route(method: string, path: string): (params: FormObject) => unknown {
    let match: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/payment_intents') {
      return (params) => intents.create(params);
    }
    if (method === 'GET' && (match = /^\/v1\/payment_intents\/([^/]+)$/.exec(path))) {
      const id = decodeURIComponent(match[1]);
      return (params) => intents.retrieve(id, params);
    }
    if (method === 'POST' && (match = /^\/v1\/payment_intents\/([^/]+)\/confirm$/.exec(path))) {
      const id = decodeURIComponent(match[1]);
      return (params) => intents.confirm(id, params);
    }
    if (method === 'GET' && (match = /^\/v1\/charges\/([^/]+)$/.exec(path))) {
      const id = decodeURIComponent(match[1]);
      return (params) => {
        rejectUnknownParams(params, ['expand']);
        readExpand(params, []);
        return charges.retrieve(id);
      };
    }
    if (method === 'POST' && path === '/v1/refunds') {
      return (params) => refunds.create(params);
    }
    throw invalidRequest(
      `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      { statusCode: 404 },
    );
  }

  function authenticatePage(res: ServerResponse, id: string, clientSecret: string | null): void {
    const intent = intents.list().find((candidate) => candidate.id === id);
    if (!intent || intent.client_secret !== clientSecret) {
      sendHtml(res, 404, 'Unknown payment.');
      return;
    }
    if (intent.status === 'requires_action') intents.completeAction(id);
    sendHtml(res, 200, 'Authentication complete. You can close this page.');
  }

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  const close = () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    return closed;
  };

  await listen(options.port ?? 0);
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  baseUrl = `http://${urlHost}:${port}`;

  return {
    url: baseUrl,
    host: urlHost,
    port,
    protocol: 'http',
    secretKey: options.secretKey,
    webhookSecret,
    get paymentIntents() {
      return intents.list();
    },
    get charges() {
      return charges.list();
    },
    get refunds() {
      return refunds.list();
    },
    get events() {
      return events.map((event) => structuredClone(event));
    },
    completeAction: (paymentIntentId) => intents.completeAction(paymentIntentId),
    setWebhookUrl(url) {
      webhooks.url = url;
    },
    async resendEvent(eventId) {
      const event = events.find((candidate) => candidate.id === eventId);
      if (!event) throw new Error(`no event ${eventId}`);
      return webhooks.deliverOnce(event);
    },
    flushWebhooks: () => webhooks.idle(),
    goOffline: close,
    goOnline: () => listen(port),
    async stop() {
      await webhooks.stop();
      if (server.listening) await close();
    },
  };
}

/** Runs an endpoint, turning its API errors into Stripe's error response. */
function execute(run: () => unknown): { statusCode: number; body: string } {
  try {
    return { statusCode: 200, body: JSON.stringify(run()) };
  } catch (err) {
    if (!(err instanceof StripeApiError)) throw err;
    return { statusCode: err.statusCode, body: JSON.stringify({ error: err.body }) };
  }
}

function checkApiKey(req: IncomingMessage, secretKey: string): void {
  const authorization = headerValue(req, 'authorization');
  let key: string | undefined;
  if (authorization?.startsWith('Bearer ')) {
    key = authorization.slice('Bearer '.length).trim();
  } else if (authorization?.startsWith('Basic ')) {
    key = Buffer.from(authorization.slice('Basic '.length), 'base64').toString('utf8').split(':')[0];
  }
  if (!key) {
    throw invalidRequest(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      { statusCode: 401 },
    );
  }
  if (key !== secretKey) {
    throw invalidRequest(`Invalid API Key provided: ${redact(key)}`, { statusCode: 401 });
  }
}

function redact(key: string): string {
  if (key.length <= 12) return '*'.repeat(key.length);
  return `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}`;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw invalidRequest('Request body too large.', { statusCode: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, statusCode: number, body: string): void {
  res.writeHead(statusCode, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendHtml(res: ServerResponse, statusCode: number, message: string): void {
  const body = `<!doctype html><title>Fake Stripe</title><p>${message}</p>`;
  res.writeHead(statusCode, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
