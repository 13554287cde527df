import { ConfigError, loadConfig, publicJwks } from '@ticketing/common';
import { TEST_JWT_KEYS } from '@ticketing/common/testing';
import { z } from 'zod';
import { paymentsEnv } from '../src/config';

const schema = z.object(paymentsEnv);
const required = {
  JWT_PUBLIC_KEYS: JSON.stringify(publicJwks(TEST_JWT_KEYS.publicKeys)),
  STRIPE_SECRET_KEY: 'sk_test_abc',
  STRIPE_WEBHOOK_SECRET: 'whsec_abc',
};

it('defaults to usd, real Stripe and a refund sweep every minute', () => {
  expect(loadConfig(schema, required)).toEqual({
    ...required,
    JWT_PUBLIC_KEYS: TEST_JWT_KEYS.publicKeys,
    PAYMENT_CURRENCY: 'usd',
    REFUND_SWEEP_INTERVAL_SECONDS: 60,
  });
});

it('reads the refund sweep interval', () => {
  expect(loadConfig(schema, { ...required, REFUND_SWEEP_INTERVAL_SECONDS: '5' })).toMatchObject({
    REFUND_SWEEP_INTERVAL_SECONDS: 5,
  });
});

it('reads the API override for the fake Stripe API', () => {
  const config = loadConfig(schema, {
    ...required,
    STRIPE_API_HOST: '127.0.0.1',
    STRIPE_API_PORT: '12111',
    STRIPE_API_PROTOCOL: 'http',
    PAYMENT_CURRENCY: 'EUR',
  });
  expect(config).toMatchObject({
    STRIPE_API_HOST: '127.0.0.1',
    STRIPE_API_PORT: 12111,
    STRIPE_API_PROTOCOL: 'http',
    PAYMENT_CURRENCY: 'eur',
  });
});

it('names every missing or bad variable', () => {
  let problems: string[] = [];
  try {
    loadConfig(schema, {
      STRIPE_SECRET_KEY: 'pk_test_public',
      PAYMENT_CURRENCY: 'jpy',
      STRIPE_API_PROTOCOL: 'ftp',
      STRIPE_API_PORT: '0',
      REFUND_SWEEP_INTERVAL_SECONDS: '0.5',
    });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    problems = (err as ConfigError).problems;
  }
  expect(problems).toEqual(
    expect.arrayContaining([
      'JWT_PUBLIC_KEYS is required',
      'STRIPE_WEBHOOK_SECRET is required',
      expect.stringMatching(/^STRIPE_SECRET_KEY: must be a Stripe secret key/),
      'PAYMENT_CURRENCY: must be a currency with two decimals (cents)',
      'STRIPE_API_PROTOCOL: must be http or https',
      'STRIPE_API_PORT: must be an integer from 1 to 65535',
      'REFUND_SWEEP_INTERVAL_SECONDS: must be a whole number of seconds from 1 to 86400',
    ]),
  );
});
