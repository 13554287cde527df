import { runService } from '@ticketing/common';
import { createApp } from './app';
import { expirationEnv } from './config';
import { startExpiration, type RunningExpiration } from './start-expiration';

// Set by `background`, which runService runs before `readinessChecks` and `createApp`.
let expiration: RunningExpiration;

void runService({
  name: 'expiration',
  uses: { mongo: false, nats: true },
  env: expirationEnv,
  background: async (runtime) => {
    expiration = await startExpiration(runtime);
    return expiration.tasks;
  },
  readinessChecks: () => ({ redis: () => expiration.redis.status === 'ready' }),
  createApp: (runtime, readinessChecks) =>
    createApp({
      logger: runtime.logger,
      readinessChecks,
      metrics: expiration.serviceMetrics,
    }),
});
