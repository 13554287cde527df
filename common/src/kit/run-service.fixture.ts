// A minimal service run by run-service.test.ts in a child process.
import { Router } from 'express';
import { z } from 'zod';
import { Subjects } from '../events/subjects';
import { createServiceApp } from './service-app';
import { runService } from './run-service';

void runService({
  name: 'fixture',
  uses: { mongo: true, nats: true },
  env: { JWT_KEY: z.string(), GREETING: z.string().default('hello') },
  createApp: (runtime, readinessChecks) => {
    const router = Router();
    router.get('/greeting', (_req, res) => {
      res.json({ greeting: runtime.config.GREETING });
    });
    router.get('/stream', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write(': open\n\n');
      res.once('close', runtime.liveStreams!.add(res));
    });
    router.post('/events', async (_req, res) => {
      const eventId = await runtime.outbox!.transaction(async (_session, record) =>
        record(Subjects.ExpirationComplete, { orderId: '6b01f1392dad1b761be159a8' }),
      );
      res.status(201).json({ eventId });
    });
    return createServiceApp({
      logger: runtime.logger,
      jwtKey: runtime.config.JWT_KEY,
      routers: [router],
      readinessChecks,
    });
  },
  background: (runtime) => [{ name: 'fixture task', stop: () => runtime.logger.info('fixture task stopped') }],
});
