import { ConfigError, loadConfig } from '@ticketing/common';
import { z } from 'zod';
import { authEnv } from '../src/config';

const schema = z.object(authEnv);

describe('auth config', () => {
  it('needs only JWT_KEY and defaults the rest', () => {
    expect(loadConfig(schema, { JWT_KEY: 'secret' })).toEqual({
      JWT_KEY: 'secret',
      JWT_EXPIRES_IN: '1d',
      SIGNIN_MAX_FAILURES_PER_EMAIL_AND_CLIENT: 5,
      SIGNIN_MAX_FAILURES_PER_CLIENT: 50,
      SIGNIN_MAX_FAILURES_PER_EMAIL: 100,
      SIGNIN_FAILURE_WINDOW_SECONDS: 900,
      SIGNUP_MAX_PER_CLIENT: 20,
      SIGNUP_WINDOW_SECONDS: 3600,
    });
    expect(() => loadConfig(schema, {})).toThrow(new ConfigError(['JWT_KEY is required']));
  });

  it.each([
    ['12h', '12h'],
    ['3600', 3600],
  ])('reads JWT_EXPIRES_IN=%s as %p', (value, expected) => {
    expect(loadConfig(schema, { JWT_KEY: 'secret', JWT_EXPIRES_IN: value }).JWT_EXPIRES_IN).toBe(expected);
  });

  it('rejects malformed durations and limits with one message each', () => {
    const env = {
      JWT_KEY: 'secret',
      JWT_EXPIRES_IN: 'forever',
      SIGNIN_MAX_FAILURES_PER_EMAIL: '0',
      SIGNIN_FAILURE_WINDOW_SECONDS: 'ten',
      SIGNUP_MAX_PER_CLIENT: '-1',
    };

    expect(() => loadConfig(schema, env)).toThrow(
      new ConfigError([
        'JWT_EXPIRES_IN: must be a positive number of seconds or a number with a unit (ms, s, m, h, d, w, y)',
        'SIGNIN_MAX_FAILURES_PER_EMAIL: must be a positive integer',
        'SIGNIN_FAILURE_WINDOW_SECONDS: must be a positive integer',
        'SIGNUP_MAX_PER_CLIENT: must be a positive integer',
      ]),
    );
  });
});
