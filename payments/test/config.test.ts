import { ConfigError, loadConfig } from '@ticketing/common';
import { z } from 'zod';
import { paymentsEnv } from '../src/config';

const schema = z.object(paymentsEnv);
const required = { JWT_KEY: 'k', STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' };

it('defaults to usd and real Stripe', () => {
  expect(loadConfig(schema, required)).toEqual({ ...required, PAYMENT_CURRENCY: 'usd' });
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
    loadConfig(schema, { STRIPE_SECRET_KEY: 'pk_test_public', PAYMENT_CURRENCY: 'jpy', STRIPE_API_PROTOCOL: 'ftp' });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    problems = (err as ConfigError).problems;
  }
  expect(problems).toEqual(
    expect.arrayContaining([
      'JWT_KEY is required',
      'STRIPE_WEBHOOK_SECRET is required',
      expect.stringMatching(/^STRIPE_SECRET_KEY: must be a Stripe secret key/),
      'PAYMENT_CURRENCY: must be a currency with two decimals (cents)',
      'STRIPE_API_PROTOCOL: must be http or https',
    ]),
  );
});
