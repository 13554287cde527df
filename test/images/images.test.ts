// `npm run test:images`: builds the container image of every service and of the web client from its
// Dockerfile, runs each as its Kubernetes Deployment (dev overlay) runs it (see
// deployment-container.ts) against MongoDB, NATS, Redis and the fake Stripe API started here, with
// the local gateway in front as the ingress, drives a purchase through the containers and stops
// them as Kubernetes does: SIGTERM, then SIGKILL once the grace period is over. Every container
// shares the host's network, listening on loopback only. Image sizes and stop times are written to
// test/images/results/latest.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from '@ticketing/common/testing';
import { startFakeStripe, type FakeStripe } from '@ticketing/fake-stripe';
import { startMailSink, type MailSink } from '@ticketing/mail-sink';
import { startGateway, type Gateway } from '../../local/stack/src/gateway';
import { HOST, startInfrastructure, type Infrastructure } from '../../local/stack/src/infrastructure';
import { developmentJwtKeys } from '../../local/stack/src/jwt-keys';
import { landingPage } from '../../local/stack/src/landing-page';
import { answersOk, pickFreePorts } from '../../local/stack/src/probes';
import { databaseUri, SERVICE_APIS, SERVICE_NAMES, type ServiceApi } from '../../local/stack/src/services';
import { k8sDir, render } from '../kubernetes-manifests';
import { planContainer, type ContainerPlan, type LocalValues } from './deployment-container';
import {
  compressedImageSize,
  docker,
  dockerOk,
  dockerOkAsync,
  ensureDockerEngine,
  imageSize,
  type DockerEngine,
} from './docker';

const repoRoot = path.resolve(__dirname, '../..');
const COMPONENTS = [...SERVICE_NAMES, 'client'] as const;
type Component = (typeof COMPONENTS)[number];
const FAKE_STRIPE_SECRET_KEY = 'sk_test_images_suite';
/** The goal for a service's image, as the deployment issue sets it. */
const SIZE_GOAL_BYTES = 200 * 1000 * 1000;

const imageTag = (component: Component) => `ticketing/${component}:test-images`;
const containerName = (component: Component) => `ticketing-test-images-${component}-${process.pid}`;
const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

interface ImageFigures {
  size: number;
  compressed: number;
  buildSeconds: number;
  stopSeconds?: number;
}

let engine: DockerEngine | undefined;
let dataDir: string;
let infrastructure: Infrastructure | undefined;
let fakeStripe: FakeStripe | undefined;
let mailSink: MailSink | undefined;
let gateway: Gateway | undefined;
const figures: Partial<Record<Component, ImageFigures>> = {};
const plans = new Map<Component, ContainerPlan>();
const started = new Set<Component>();

function containerLogs(component: Component): string {
  const result = docker(['logs', '--tail', '40', containerName(component)]);
  return `${result.stdout}${result.stderr}`.trim();
}

beforeAll(async () => {
  engine = await ensureDockerEngine();
  dataDir = mkdtempSync(path.join(tmpdir(), 'ticketing-images-'));
});

afterAll(async () => {
  for (const component of COMPONENTS) docker(['rm', '--force', containerName(component)]);
  await gateway?.stop();
  await fakeStripe?.stop();
  await mailSink?.close();
  await infrastructure?.stop();
  // While the engine still answers: the results name the base image's size.
  writeResults();
  await engine?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the container images', () => {
  it('are all built on one base image, a stand-in built from Debian and npm where it cannot be pulled', () => {
    const result = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/stand-in-base-image.mjs')], {
      encoding: 'utf8',
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    const base = dockerOk(['image', 'inspect', '--format', '{{.Id}}', 'node:24-bookworm-slim']).trim();
    expect(base).toMatch(/^sha256:/);
  });

  it.each(COMPONENTS)(
    'builds %s from its Dockerfile, running Node 24 as uid 1000 with NODE_ENV=production',
    async (component) => {
      const startedAt = Date.now();
      await dockerOkAsync(
        ['build', '--network', 'host', '--file', `${component}/Dockerfile`, '--tag', imageTag(component), '.'],
        repoRoot,
      );
      const buildSeconds = (Date.now() - startedAt) / 1000;
      const probe = dockerOk([
        'run',
        '--rm',
        '--network',
        'host',
        imageTag(component),
        '--eval',
        'console.log(JSON.stringify([process.versions.node.split(".")[0], process.getuid(), process.env.NODE_ENV]))',
      ]);
      expect(JSON.parse(probe)).toEqual(['24', 1000, 'production']);
      figures[component] = {
        size: imageSize(imageTag(component)),
        compressed: compressedImageSize(imageTag(component)),
        buildSeconds,
      };
    },
  );

  /**
   * Packages the repository uses for its tests that a service's production dependencies also ask
   * for: mjml (notifications) renders with htmlnano, whose cosmiconfig names typescript an optional
   * peer, and npm installs an optional peer that the lock file holds (as the root's devDependency).
   */
  const PRODUCTION_PEERS: Partial<Record<string, string[]>> = { notifications: ['typescript'] };

  it('keeps test-only packages out of the services images', () => {
    for (const service of SERVICE_NAMES) {
      const listing = dockerOk([
        'run',
        '--rm',
        '--network',
        'host',
        '--entrypoint',
        'ls',
        imageTag(service),
        '/app/node_modules',
        '/app/node_modules/@ticketing',
      ]);
      for (const testOnly of ['jest', 'typescript', 'mongodb-memory-server-core', 'embedded-mongo', 'supertest']) {
        if (PRODUCTION_PEERS[service]?.includes(testOnly)) continue;
        expect({ service, found: listing.split(/\s+/).includes(testOnly) }).toEqual({ service, found: false });
      }
    }
  });
});

describe('the containers, run with their Deployments settings', () => {
  it('start and become ready', async () => {
    const dev = render(path.join(k8sDir, 'overlays/dev'));
    const jwtKeys = developmentJwtKeys(dataDir);
    const [mongoPort, natsPort, redisPort, gatewayPort, ...ports] = await pickFreePorts(HOST, 4 + COMPONENTS.length);
    infrastructure = await startInfrastructure({
      dataDir,
      mongo: { port: mongoPort },
      nats: { port: natsPort },
      redis: { port: redisPort },
    });
    const gatewayUrl = `http://${HOST}:${gatewayPort}`;
    fakeStripe = await startFakeStripe({
      secretKey: FAKE_STRIPE_SECRET_KEY,
      webhookUrl: `${gatewayUrl}/api/payments/webhook`,
    });
    mailSink = await startMailSink({ dataDir: path.join(dataDir, 'mail') });
    const { urls } = infrastructure;
    const localValues: LocalValues = {
      'configMap/ticketing-config/PUBLIC_ORIGIN': gatewayUrl,
      'configMap/ticketing-config/PUBLIC_URL': gatewayUrl,
      'secret/ticketing-smtp/url': mailSink.smtpUrl,
      'configMap/ticketing-config/TRUST_PROXY': 'loopback',
      'configMap/ticketing-config/API_BASE_URL': gatewayUrl,
      'secret/ticketing-datastores/nats-url': urls.nats,
      'secret/ticketing-datastores/redis-url': urls.redis,
      'secret/ticketing-jwt/private-key': jwtKeys.privateKey,
      'secret/ticketing-jwt/public-keys': jwtKeys.publicKeys,
      'secret/ticketing-stripe/secret-key': FAKE_STRIPE_SECRET_KEY,
      'secret/ticketing-stripe/webhook-secret': fakeStripe.webhookSecret,
    };
    for (const service of SERVICE_NAMES) {
      localValues[`secret/ticketing-datastores/${service}-mongo-uri`] = databaseUri(urls.mongo, service);
    }
    const stripeApi = {
      STRIPE_API_HOST: fakeStripe.host,
      STRIPE_API_PORT: String(fakeStripe.port),
      STRIPE_API_PROTOCOL: 'http',
    };
    COMPONENTS.forEach((component, index) => {
      plans.set(
        component,
        planContainer(dev, component, ports[index], localValues, component === 'payments' ? stripeApi : {}),
      );
    });

    for (const component of COMPONENTS) {
      const plan = plans.get(component)!;
      dockerOk(['run', '--detach', '--name', containerName(component), ...plan.runArgs, imageTag(component)]);
      started.add(component);
    }
    for (const component of COMPONENTS) {
      const plan = plans.get(component)!;
      await waitFor(() => answersOk(`http://${HOST}:${plan.env.PORT}${plan.readinessPath}`), {
        timeoutMs: plan.startupSeconds * 1000,
        intervalMs: 250,
        description: `${component} to answer ${plan.readinessPath}; its last lines:\n${containerLogs(component)}`,
      });
    }

    const apis = Object.values(SERVICE_APIS) as ServiceApi[];
    gateway = await startGateway({
      host: HOST,
      port: gatewayPort,
      routes: SERVICE_NAMES.filter((name) => SERVICE_APIS[name]).map((name) => ({
        prefix: SERVICE_APIS[name]!.prefix,
        service: name,
        ports: [Number(plans.get(name)!.env.PORT)],
      })),
      clientPorts: [Number(plans.get('client')!.env.PORT)],
      landingPage: landingPage(apis, { clientRuns: true }),
    });
    expect(gateway.url).toBe(gatewayUrl);
  });

  it('sell a ticket: sign up, list, order and pay through the gateway, and the client renders it', async () => {
    const api = gateway!.url;
    const send = async (method: string, url: string, cookie?: string, body?: unknown) => {
      const response = await fetch(`${api}${url}`, {
        method,
        headers: {
          origin: api,
          ...(cookie ? { cookie } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      const json = response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined;
      return {
        status: response.status,
        body: json,
        text,
        cookie: response.headers
          .getSetCookie()
          .map((c) => c.split(';')[0])
          .join('; '),
      };
    };
    const signUp = async (email: string) => {
      const answer = await send('POST', '/api/users/signup', undefined, { email, password: 'images-suite-password' });
      expect(answer.status).toBe(201);
      return answer.cookie;
    };

    const seller = await signUp('seller@images.test');
    const buyer = await signUp('buyer@images.test');
    const ticket = await send('POST', '/api/tickets', seller, { title: 'Container concert', price: 42 });
    expect(ticket.status).toBe(201);
    const still = await send('POST', '/api/tickets', seller, { title: 'Still for sale', price: 10 });
    expect(still.status).toBe(201);

    // Orders learns of the ticket through the event stream, a moment after it is listed.
    const order = await waitFor(
      async () => {
        const answer = await send('POST', '/api/orders', buyer, { ticketId: ticket.body.id });
        return answer.status === 201 ? answer.body : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100, description: 'orders to accept an order of the new ticket' },
    );
    const payment = await waitFor(
      async () => {
        const answer = await send('POST', '/api/payments', buyer, { orderId: order.id, paymentMethod: 'pm_card_visa' });
        return answer.status === 201 ? answer.body : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100, description: 'payments to accept the payment of the new order' },
    );
    expect(payment).toMatchObject({ amount: 42, status: 'succeeded', card: { brand: 'visa', last4: '4242' } });
    await waitFor(async () => (await send('GET', `/api/orders/${order.id}`, buyer)).body?.status === 'complete', {
      timeoutMs: 10_000,
      description: 'the order to be complete',
    });
    await waitFor(async () => (await send('GET', `/api/tickets/${ticket.body.id}`)).body?.status === 'sold', {
      timeoutMs: 10_000,
      description: 'the ticket to be sold',
    });
    expect(fakeStripe!.charges.map((charge) => charge.amount)).toEqual([4200]);

    // The client's server renders from the APIs, which it calls through the gateway.
    const home = await send('GET', '/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('Still for sale');
    expect(home.text).not.toContain('Container concert');
    const orderPage = await send('GET', `/orders/${order.id}`, buyer);
    expect(orderPage.status).toBe(200);
    expect(orderPage.text).toContain('Container concert');

    // notifications emailed the receipt through the SMTP server the Secret names.
    const [receipt] = await waitFor(
      async () => {
        const messages = await mailSink!.messages({ to: 'buyer@images.test' });
        const receipts = messages.filter((message) => message.subject.includes('Container concert'));
        return receipts.length > 0 ? receipts : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200, description: "the buyer's receipt in the mail sink" },
    );
    expect(receipt.text).toContain(order.id);
    expect(receipt.html).toContain(`${api}/orders/${order.id}`);
  });

  it('stop on SIGTERM with exit code 0 within their grace period', async () => {
    const stops = [...started].map(async (component) => {
      const plan = plans.get(component)!;
      const startedAt = Date.now();
      await dockerOkAsync(['stop', '--time', String(plan.gracePeriodSeconds), containerName(component)], repoRoot);
      const stopSeconds = (Date.now() - startedAt) / 1000;
      figures[component] = { ...figures[component]!, stopSeconds };
      const [exitCode, oomKilled] = dockerOk([
        'inspect',
        '--format',
        '{{.State.ExitCode}} {{.State.OOMKilled}}',
        containerName(component),
      ])
        .trim()
        .split(' ');
      return { component, exitCode: Number(exitCode), oomKilled, inGracePeriod: stopSeconds < plan.gracePeriodSeconds };
    });
    const results = await Promise.all(stops);
    expect(results).toEqual(
      COMPONENTS.map((component) => ({ component, exitCode: 0, oomKilled: 'false', inGracePeriod: true })),
    );
  });
});

/** The figures of this run, for the README's table: test/images/results/latest.md (git-ignored). */
function writeResults(): void {
  const rows = COMPONENTS.filter((component) => figures[component]).map((component) => {
    const figure = figures[component]!;
    const goal =
      component === 'client' ? '' : figure.size < SIZE_GOAL_BYTES ? ' (under 200 MB)' : ' (over the 200 MB goal)';
    const stop = figure.stopSeconds === undefined ? '–' : `${figure.stopSeconds.toFixed(1)} s`;
    return `| ${component} | ${megabytes(figure.size)}${goal} | ${megabytes(figure.compressed)} | ${figure.buildSeconds.toFixed(0)} s | ${stop} |`;
  });
  if (rows.length === 0) return;
  const resultsDir = path.join(__dirname, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const base = imageSize('node:24-bookworm-slim');
  writeFileSync(
    path.join(resultsDir, 'latest.md'),
    [
      `Images of this run (${new Date().toISOString()}); base node:24-bookworm-slim ${megabytes(base)}.`,
      '',
      '| image | size | gzip-compressed | build | stop on SIGTERM |',
      '|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}
