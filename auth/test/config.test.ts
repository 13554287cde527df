import { ConfigError, loadConfig, privateJwk, publicJwks } from '@ticketing/common';
import { TEST_JWT_KEYS } from '@ticketing/common/testing';
import { z } from 'zod';
import { authEnv } from '../src/config';

const schema = z.object(authEnv);
const keys = {
  JWT_PRIVATE_KEY: JSON.stringify(privateJwk(TEST_JWT_KEYS.privateKey)),
  JWT_PUBLIC_KEYS: JSON.stringify(publicJwks(TEST_JWT_KEYS.publicKeys)),
};

describe('auth config', () => {
  it('needs only the JWT keys and defaults the rest', () => {
    const config = loadConfig(schema, keys);
    expect(config).toEqual({
      JWT_PRIVATE_KEY: { kid: TEST_JWT_KEYS.privateKey.kid, key: expect.anything() },
      JWT_PUBLIC_KEYS: TEST_JWT_KEYS.publicKeys,
      JWT_EXPIRES_IN: 15 * 60,
      SIGNIN_MAX_FAILURES_PER_EMAIL_AND_CLIENT: 5,
      SIGNIN_MAX_FAILURES_PER_CLIENT: 50,
      SIGNIN_MAX_FAILURES_PER_EMAIL: 100,
      SIGNIN_FAILURE_WINDOW_SECONDS: 900,
      SIGNUP_MAX_PER_CLIENT: 20,
      SIGNUP_WINDOW_SECONDS: 3600,
    });
    expect(config.JWT_PRIVATE_KEY.key.equals(TEST_JWT_KEYS.privateKey.key)).toBe(true);
    expect(() => loadConfig(schema, {})).toThrow(
      new ConfigError(['JWT_PRIVATE_KEY is required', 'JWT_PUBLIC_KEYS is required']),
    );
  });

  it.each([
    ['12h', 12 * 60 * 60],
    ['15m', 15 * 60],
    ['90s', 90],
    ['3600', 3600],
  ])('reads JWT_EXPIRES_IN=%s as %p seconds', (value, expected) => {
    expect(loadConfig(schema, { ...keys, JWT_EXPIRES_IN: value }).JWT_EXPIRES_IN).toBe(expected);
  });

  it('rejects malformed durations and limits with one message each', () => {
    const env = {
      ...keys,
      JWT_EXPIRES_IN: 'forever',
      SIGNIN_MAX_FAILURES_PER_EMAIL: '0',
      SIGNIN_FAILURE_WINDOW_SECONDS: 'ten',
      SIGNUP_MAX_PER_CLIENT: '-1',
    };

    expect(() => loadConfig(schema, env)).toThrow(
      new ConfigError([
        'JWT_EXPIRES_IN: must be a positive number of seconds or a number with a unit (s, m, h, d, w)',
        'SIGNIN_MAX_FAILURES_PER_EMAIL: must be a positive integer',
        'SIGNIN_FAILURE_WINDOW_SECONDS: must be a positive integer',
        'SIGNUP_MAX_PER_CLIENT: must be a positive integer',
      ]),
    );
  });

  it('refuses a session lifetime longer than a sign-out is remembered', () => {
    expect(loadConfig(schema, { ...keys, JWT_EXPIRES_IN: '1d' }).JWT_EXPIRES_IN).toBe(24 * 60 * 60);
    expect(() => loadConfig(schema, { ...keys, JWT_EXPIRES_IN: '25h' })).toThrow(
      new ConfigError(['JWT_EXPIRES_IN: must be at most 24h (how long a sign-out is remembered)']),
    );
  });
});
