// A minimal service run by run-service.test.ts in a child process. FIXTURE_FAILURE makes one
// start-up step fail, as a broken dependency or a bug would.
import type { JsMsg } from '@nats-io/jetstream';
import { Router } from 'express';
import { z } from 'zod';
import { Listener } from '../events/listener';
import type { ExpirationCompleteEvent } from '../events/schemas';
import { Subjects } from '../events/subjects';
import { commonEnv } from './config';
import { createServiceApp } from './service-app';
import { runService } from './run-service';

class ExpirationCompleteListener extends Listener<ExpirationCompleteEvent> {
  readonly subject = Subjects.ExpirationComplete;

  async onMessage(_data: ExpirationCompleteEvent['data'], _msg: JsMsg): Promise<void> {}
}

class RefusedListener extends ExpirationCompleteListener {
  override async listen(): Promise<void> {
    throw new Error('consumer settings refused');
  }
}

function failIf(failing: boolean, step: string): void {
  if (failing) throw new Error(`${step} broken on purpose`);
}

void runService({
  name: 'fixture',
  uses: { mongo: true, nats: true },
  env: {
    JWT_PUBLIC_KEYS: commonEnv.JWT_PUBLIC_KEYS,
    GREETING: z.string().default('hello'),
    FIXTURE_FAILURE: z.enum(['background', 'listener', 'readiness-checks', 'create-app']).optional(),
  },
  createApp: (runtime, readinessChecks) => {
    failIf(runtime.config.FIXTURE_FAILURE === 'create-app', 'createApp');
    const router = Router();
    router.get('/greeting', (_req, res) => {
      res.json({ greeting: runtime.config.GREETING });
    });
    router.get('/client', (req, res) => {
      res.json({ ip: req.ip, protocol: req.protocol });
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
      jwtPublicKeys: runtime.config.JWT_PUBLIC_KEYS,
      routers: [router],
      readinessChecks,
    });
  },
  listeners: (runtime) => [
    runtime.config.FIXTURE_FAILURE === 'listener'
      ? new RefusedListener(runtime.bus!, { serviceName: runtime.name })
      : new ExpirationCompleteListener(runtime.bus!, { serviceName: runtime.name }),
  ],
  background: (runtime) => {
    failIf(runtime.config.FIXTURE_FAILURE === 'background', 'background task');
    return [{ name: 'fixture task', stop: () => runtime.logger.info('fixture task stopped') }];
  },
  readinessChecks: (runtime) => {
    failIf(runtime.config.FIXTURE_FAILURE === 'readiness-checks', 'readiness checks');
    return {};
  },
});
