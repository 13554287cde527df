import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { clientBuildIsStale } from './build';
import { runToCompletion, startChildServer, type ChildServer } from './child-server';
import { StackStartError } from './errors';
import { HOST } from './infrastructure';
import { answersOk } from './probes';
import { repoRoot, type RunMode } from './services';

export interface ClientOptions {
  /** `watch` runs `next dev` (hot reload); `build` and `source` run `next start` on the production build. */
  runMode: RunMode;
  port: number;
  /** Where the client's server-side code calls the APIs: the gateway, as the ingress in Kubernetes. */
  apiBaseUrl: string;
  /** Output of the build and of the server, line by line. */
  logFile: string;
  onLine?: (line: string) => void;
  startTimeoutMs: number;
  /** See ChildServerSpec.onNotice. */
  onNotice: (message: string) => void;
  /** See ChildServerSpec.onGiveUp. */
  onGiveUp: (message: string) => void;
  /** The repository whose client/ runs; this one by default. */
  root?: string;
}

/** How long one readiness probe may take: `next dev` compiles /healthz on its first request. */
const HEALTH_PROBE_TIMEOUT_MS = 15_000;

/**
 * Starts the Next.js web client and resolves once its /healthz answers 200. For `next start`,
 * its production build is made first when it is missing or older than its sources. A build or
 * a server that fails is a StackStartError naming the client. Once ready, it is restarted when it
 * exits by itself (see ChildServer).
 */
export async function startClient(options: ClientOptions): Promise<ChildServer> {
  const clientDir = path.join(options.root ?? repoRoot, 'client');
  const next = nextBinary(clientDir);
  const dev = options.runMode === 'watch';
  const env = {
    NEXT_TELEMETRY_DISABLED: '1',
    NODE_ENV: dev ? 'development' : 'production',
  };

  if (!dev && clientBuildIsStale(options.root)) {
    options.onLine?.('building: .next/ missing or older than the sources (next build)');
    await runToCompletion('client', {
      name: 'client build',
      command: process.execPath,
      args: [next, 'build', clientDir],
      env,
      logFile: options.logFile,
      onLine: options.onLine,
      describeLine: errorLine,
    });
  }

  // PAYMENT_CURRENCY and NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY reach it from the launcher's environment, as every variable does.
  return startChildServer({
    name: 'client',
    command: process.execPath,
    args: [next, dev ? 'dev' : 'start', clientDir, '--hostname', HOST],
    env: { ...env, PORT: String(options.port), HOSTNAME: HOST, API_BASE_URL: options.apiBaseUrl },
    logFile: options.logFile,
    onLine: options.onLine,
    describeLine: errorLine,
    isReady: () => answersOk(`http://${HOST}:${options.port}/healthz`, HEALTH_PROBE_TIMEOUT_MS),
    startTimeoutMs: options.startTimeoutMs,
    onNotice: options.onNotice,
    onGiveUp: options.onGiveUp,
  });
}

/**
 * A line of Next's output that says what went wrong, for an error message: one of its errors
 * (marked ⨯) or a line naming an error. Its error output is coloured even when not written to a
 * terminal.
 */
function errorLine(line: string): string | undefined {
  const text = stripVTControlCharacters(line).trim();
  return text.startsWith('⨯') || /error/i.test(text) ? text : undefined;
}

/** The client's own Next.js, as `npm run dev -w client` would run it. */
function nextBinary(clientDir: string): string {
  try {
    return require.resolve('next/dist/bin/next', { paths: [clientDir] });
  } catch {
    throw new StackStartError('client', `next is not installed for ${clientDir}; run npm install`);
  }
}
