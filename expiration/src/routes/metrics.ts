import { Router } from 'express';
import { renderMetrics, type ExpirationMetrics, type QueueCounts } from '../metrics';

export interface MetricsSource {
  queueCounts(): Promise<QueueCounts>;
  metrics: ExpirationMetrics;
}

// Redis commands wait through reconnects; a scrape must not hang on them.
const QUEUE_COUNTS_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** GET /metrics: queue counts and this replica's counters in the Prometheus text format. */
export function metricsRouter(source: MetricsSource): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const counts = await withTimeout(source.queueCounts(), QUEUE_COUNTS_TIMEOUT_MS);
    if (!counts) {
      res.status(503).type('text/plain').send('queue counts unavailable: Redis is not answering\n');
      return;
    }
    res.type('text/plain; version=0.0.4').send(renderMetrics(counts, source.metrics));
  });
  return router;
}
