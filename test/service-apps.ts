// The services' Express apps as repository-level tests build them: with test session keys and
// without any server, so only requests answered before a route reaches a database can be made.
// Call inside jest.isolateModulesAsync: the services' models share names (Order, Ticket) on mongoose.
import type { RevokedSessions } from '@ticketing/common';
import { TEST_JWT_KEYS } from '@ticketing/common/testing';
import type { Express } from 'express';

export type ServiceWithApi = 'auth' | 'tickets' | 'orders' | 'payments';

export async function buildServiceApp(name: ServiceWithApi, revokedSessions?: RevokedSessions): Promise<Express> {
  const { createLogger, LiveStreams, Outbox } = await import('@ticketing/common');
  const { default: mongoose } = await import('mongoose');
  const logger = createLogger(name, { level: 'silent' });
  const options = {
    logger,
    jwtPublicKeys: TEST_JWT_KEYS.publicKeys,
    revokedSessions,
    outbox: new Outbox({ connection: mongoose.connection, logger }),
  };
  switch (name) {
    case 'auth':
      return (await import('../auth/src/app')).createApp({
        logger,
        jwtPrivateKey: TEST_JWT_KEYS.privateKey,
        jwtPublicKeys: TEST_JWT_KEYS.publicKeys,
        jwtExpiresIn: 15 * 60,
        revokedSessions,
        signinThrottle: {
          maxFailuresPerEmailAndClient: 5,
          maxFailuresPerClient: 50,
          maxFailuresPerEmail: 100,
          windowSeconds: 900,
        },
        signupThrottle: { maxPerClient: 20, windowSeconds: 3600 },
        outbox: options.outbox,
      });
    case 'tickets':
      return (await import('../tickets/src/app')).createApp(options);
    case 'orders': {
      const { OrderUpdates } = await import('../orders/src/order-updates');
      return (await import('../orders/src/app')).createApp({
        ...options,
        expirationWindowSeconds: 900,
        orderUpdates: new OrderUpdates(),
        liveStreams: new LiveStreams(),
      });
    }
    case 'payments': {
      const { createStripeClient } = await import('../payments/src/stripe');
      return (await import('../payments/src/app')).createApp({
        ...options,
        // Never called: the requests these tests make are answered before a route would reach Stripe.
        stripe: createStripeClient({
          STRIPE_SECRET_KEY: 'sk_test_unused',
          STRIPE_API_HOST: '127.0.0.1',
          STRIPE_API_PORT: 9,
        }),
        webhookSecret: 'whsec_unused',
        currency: 'usd',
      });
    }
  }
}
