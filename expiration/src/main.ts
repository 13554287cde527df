import { runService } from '@ticketing/common';
import { createApp } from './app';
import { expirationEnv } from './config';
import { SERVICE_NAME } from './service-name';
import { startExpiration, type RunningExpiration } from './start-expiration';

// Set by `background`, which runService runs before `readinessChecks` and `createApp`.
let expiration: RunningExpiration;

void runService({
  name: SERVICE_NAME,
  uses: { mongo: false, nats: true },
  env: expirationEnv,
  background: async (runtime) => {
    try {
      expiration = await startExpiration(runtime);
    } catch (err) {
      // runService does not catch background start-up failures; this keeps them one clear line.
      runtime.logger.fatal(`cannot start: ${(err as Error).message}`);
      process.exit(1);
    }
    return expiration.tasks;
  },
  readinessChecks: () => ({ redis: () => expiration.redis.status === 'ready' }),
  createApp: (runtime, readinessChecks) =>
    createApp({
      logger: runtime.logger,
      jwtKey: runtime.config.JWT_KEY,
      readinessChecks,
      metrics: { queueCounts: () => expiration.queue.counts(), metrics: expiration.metrics },
    }),
});
