import { Router } from 'express';
import mongoose from 'mongoose';

/** True when a dependency the service needs to serve requests is usable. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

/** Named checks, e.g. `{ mongo: mongooseConnected, nats: () => !bus.isClosed() }`. */
export type ReadinessChecks = Record<string, ReadinessCheck>;

export type CheckStatus = 'ok' | 'failing';

/** Readiness check for the default mongoose connection. */
export const mongooseConnected: ReadinessCheck = () =>
  mongoose.connection.readyState === mongoose.ConnectionStates.connected;

async function runCheck(check: ReadinessCheck): Promise<CheckStatus> {
  try {
    return (await check()) ? 'ok' : 'failing';
  } catch {
    // A check that throws says its dependency is unusable, which is the answer asked for.
    return 'failing';
  }
}

/**
 * `GET /healthz`: 200 while the process can answer at all (liveness).
 * `GET /readyz`: 200 when every check passes, else 503 naming the failing ones (readiness).
 */
export function healthRoutes(checks: ReadinessChecks = {}): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const names = Object.keys(checks);
    const statuses = await Promise.all(names.map((name) => runCheck(checks[name])));
    const results: Record<string, CheckStatus> = {};
    names.forEach((name, index) => {
      results[name] = statuses[index];
    });
    const ready = statuses.every((status) => status === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable', checks: results });
  });

  return router;
}
