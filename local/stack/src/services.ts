import path from 'node:path';
import type { StackJwtKeys } from './jwt-keys';

export const SERVICE_NAMES = ['auth', 'tickets', 'orders', 'payments', 'expiration', 'notifications'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The public API of a service: the path prefix the ingress routes to it. */
export interface ServiceApi {
  prefix: string;
  title: string;
}

/** The APIs behind the gateway, in the ingress's order; expiration has none. */
export const SERVICE_APIS: Partial<Record<ServiceName, ServiceApi>> = {
  auth: { prefix: '/api/users', title: 'Users: sign up, sign in, sign out, current user' },
  tickets: { prefix: '/api/tickets', title: 'Tickets: list, search, show, create, edit and withdraw tickets' },
  orders: { prefix: '/api/orders', title: 'Orders: reserve a ticket, list, show and cancel orders' },
  payments: { prefix: '/api/payments', title: 'Payments: pay an order, read payments (and the Stripe webhook)' },
  notifications: { prefix: '/api/notifications', title: 'Notifications: email preferences' },
};

/** Who the emails of the one-machine stack come from. */
export const STACK_MAIL_FROM = 'Ticketing <no-reply@ticketing.local>';

/**
 * How the services run: `build` is `node dist/main.js` (what `npm start` uses), `source`
 * compiles the TypeScript sources on load (tests: no build needed), `watch` is `source`
 * restarted by the launcher on every change of the sources (`npm run dev`, see watch.ts).
 */
export type RunMode = 'build' | 'source' | 'watch';

export const repoRoot = path.resolve(__dirname, '../../..');

/**
 * The V8 old space of a service's production build, in MB: here and in its Deployment's
 * NODE_OPTIONS (test/kubernetes.test.ts checks they agree), half the pod's 256 MiB memory limit,
 * leaving the rest to the young generation, code and buffers (80 MB beside the heap under load).
 * Node otherwise sizes the heap from the memory it may use: a 259 MB limit in a 256 MiB container,
 * more than fits beside the rest, and 4 GB on a 24 GiB machine, where heaps grow with garbage
 * (notifications had 174 MB in use after the bench's listing load, 56 MB with a 96 MB cap).
 */
export const SERVICE_OLD_SPACE_MB = 128;
export const SERVICE_HEAP_OPTION = `--max-old-space-size=${SERVICE_OLD_SPACE_MB}`;

/** The command line that runs one service in the given mode, and what it needs in its environment. */
export function serviceCommand(name: ServiceName, mode: RunMode): { args: string[]; env: Record<string, string> } {
  const serviceDir = path.join(repoRoot, name);
  // Set whatever the launcher's own NODE_ENV is: under jest it is `test`, which silences the services' logs.
  if (mode === 'build') {
    return { args: [SERVICE_HEAP_OPTION, path.join(serviceDir, 'dist/main.js')], env: { NODE_ENV: 'production' } };
  }
  // The service's tsconfig has baseUrl at the repository root, so @ticketing/* resolve to their sources.
  const register = ['-r', require.resolve('@swc-node/register')];
  return {
    args: [...register, path.join(serviceDir, 'src/main.ts')],
    env: { NODE_ENV: 'development', SWC_NODE_PROJECT: path.join(serviceDir, 'tsconfig.json') },
  };
}

/** Where every service's dependencies are, as the launcher started or was given them. */
export interface ServiceConnections {
  /** A URI of the MongoDB deployment; each service gets its own database in it. */
  mongoUri: string;
  natsUrl: string;
  redisUrl: string;
  jwtKeys: StackJwtKeys;
  /** Where browsers reach the system (the gateway), for PUBLIC_ORIGIN; the first is the emails' links' PUBLIC_URL. */
  publicOrigins: string[];
  /** Set for the fake Stripe API; undefined leaves STRIPE_* to the launcher's environment (real Stripe). */
  fakeStripe?: { host: string; port: number; secretKey: string; webhookSecret: string };
  /** The mail sink's SMTP server, where notifications sends its email. */
  smtpUrl: string;
  /** Orders' reservation window; undefined keeps the service's default (or the environment's). */
  expirationWindowSeconds?: number;
  logLevel?: string;
}

/** The environment of one service instance: exactly the variables its config.ts and runService read. */
export function serviceEnvironment(
  name: ServiceName,
  port: number,
  connections: ServiceConnections,
): Record<string, string> {
  // Loopback only: the gateway is the way in, as the ingress is in the cluster.
  const env: Record<string, string> = { PORT: String(port), HOST: '127.0.0.1' };
  // The gateway, on loopback too, is the only proxy whose X-Forwarded-* the services believe.
  env.TRUST_PROXY = 'loopback';
  env.PUBLIC_ORIGIN = connections.publicOrigins.join(',');
  if (connections.logLevel) env.LOG_LEVEL = connections.logLevel;
  if (name !== 'expiration') env.MONGO_URI = databaseUri(connections.mongoUri, name);
  // Only auth can sign a session; every service with user routes verifies them with the public keys.
  if (name === 'auth') env.JWT_PRIVATE_KEY = connections.jwtKeys.privateKey;
  if (name !== 'expiration') env.JWT_PUBLIC_KEYS = connections.jwtKeys.publicKeys;
  env.NATS_URL = connections.natsUrl;
  if (name === 'expiration') env.REDIS_URL = connections.redisUrl;
  if (name === 'notifications') {
    env.SMTP_URL = connections.smtpUrl;
    env.MAIL_FROM = STACK_MAIL_FROM;
    env.PUBLIC_URL = connections.publicOrigins[0];
  }
  if (name === 'orders' && connections.expirationWindowSeconds !== undefined) {
    env.EXPIRATION_WINDOW_SECONDS = String(connections.expirationWindowSeconds);
  }
  if (name === 'payments' && connections.fakeStripe) {
    const stripe = connections.fakeStripe;
    Object.assign(env, {
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_API_HOST: stripe.host,
      STRIPE_API_PORT: String(stripe.port),
      STRIPE_API_PROTOCOL: 'http',
    });
  }
  return env;
}

/**
 * `uri` with its database replaced by `database`, keeping hosts and options:
 * mongodb://h:1/?replicaSet=rs0 -> mongodb://h:1/orders?replicaSet=rs0. Done on the string
 * because a URI with several hosts (h1:1,h2:2) is not a URL the URL class parses.
 */
export function databaseUri(uri: string, database: string): string {
  const schemeEnd = uri.indexOf('://') + 3;
  const queryStart = uri.includes('?') ? uri.indexOf('?') : uri.length;
  const pathStart = uri.indexOf('/', schemeEnd);
  const hostsEnd = pathStart >= 0 && pathStart < queryStart ? pathStart : queryStart;
  return `${uri.slice(0, hostsEnd)}/${database}${uri.slice(queryStart)}`;
}
