import { z } from 'zod';
import { commonEnv, ConfigError, loadConfig } from '.';
import { publicJwks } from '../middlewares/jwt-keys';
import { TEST_JWT_KEYS } from '../testing/signin';

// What a service other than auth reads (JWT_PRIVATE_KEY is auth's own, see jwt-keys.test.ts).
const schema = z.object({
  PORT: commonEnv.PORT,
  HOST: commonEnv.HOST,
  TRUST_PROXY: commonEnv.TRUST_PROXY,
  JWT_PUBLIC_KEYS: commonEnv.JWT_PUBLIC_KEYS,
  MONGO_URI: commonEnv.MONGO_URI,
  NATS_URL: commonEnv.NATS_URL,
  LOG_LEVEL: commonEnv.LOG_LEVEL,
  STRIPE_SECRET_KEY: z.string(),
});

const validEnv = {
  JWT_PUBLIC_KEYS: JSON.stringify(publicJwks(TEST_JWT_KEYS.publicKeys)),
  MONGO_URI: 'mongodb://tickets-mongo:27017/tickets',
  NATS_URL: 'nats://nats:4222',
  STRIPE_SECRET_KEY: 'sk_test_123',
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(schema, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig', () => {
  it('returns typed values with defaults applied', () => {
    const config = loadConfig(schema, validEnv);

    expect(config).toEqual({
      ...validEnv,
      JWT_PUBLIC_KEYS: TEST_JWT_KEYS.publicKeys,
      PORT: 3000,
      HOST: '0.0.0.0',
      TRUST_PROXY: 'loopback',
      LOG_LEVEL: 'info',
    });
  });

  it('converts PORT to a number', () => {
    expect(loadConfig(schema, { ...validEnv, PORT: '4001' }).PORT).toBe(4001);
  });

  it('accepts replica-set and srv MongoDB URIs and a list of NATS servers', () => {
    const env = {
      ...validEnv,
      MONGO_URI: 'mongodb+srv://user:pass@cluster0.example.net/tickets?retryWrites=true',
      NATS_URL: 'nats://a:4222,nats://b:4222',
    };

    expect(loadConfig(schema, env)).toMatchObject({ MONGO_URI: env.MONGO_URI, NATS_URL: env.NATS_URL });
  });

  it('names every missing variable in one message, and gives no default to secrets or URLs', () => {
    expect(() => loadConfig(schema, {})).toThrow(
      new ConfigError([
        'JWT_PUBLIC_KEYS is required',
        'MONGO_URI is required',
        'NATS_URL is required',
        'STRIPE_SECRET_KEY is required',
      ]),
    );
    expect(() => loadConfig(schema, {})).toThrow(
      'Invalid configuration: JWT_PUBLIC_KEYS is required; MONGO_URI is required; NATS_URL is required; STRIPE_SECRET_KEY is required',
    );
  });

  it('treats an empty variable as missing', () => {
    expect(problemsOf({ ...validEnv, JWT_PUBLIC_KEYS: '' })).toEqual(['JWT_PUBLIC_KEYS is required']);
    expect(loadConfig(schema, { ...validEnv, PORT: '' }).PORT).toBe(3000);
  });

  it.each([
    ['abc', 'PORT: must be an integer from 1 to 65535'],
    ['3000.5', 'PORT: must be an integer from 1 to 65535'],
    ['0', 'PORT: must be an integer from 1 to 65535'],
    ['70000', 'PORT: must be an integer from 1 to 65535'],
  ])('rejects PORT=%s with one message', (port, problem) => {
    expect(problemsOf({ ...validEnv, PORT: port })).toEqual([problem]);
  });

  it('explains malformed values and missing ones together', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      MONGO_URI: 'http://tickets-mongo:27017',
      NATS_URL: 'localhost:4222',
      LOG_LEVEL: 'loud',
    });

    expect(problems).toEqual([
      'PORT: must be an integer from 1 to 65535',
      'JWT_PUBLIC_KEYS is required',
      'MONGO_URI: must be a mongodb:// or mongodb+srv:// URI',
      'NATS_URL: must be a nats:// URL',
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
      'STRIPE_SECRET_KEY is required',
    ]);
  });

  it('reads process.env by default', () => {
    const saved = process.env.NATS_URL;
    process.env.NATS_URL = 'nats://from-process-env:4222';
    try {
      expect(loadConfig(z.object({ NATS_URL: commonEnv.NATS_URL }))).toEqual({
        NATS_URL: 'nats://from-process-env:4222',
      });
    } finally {
      if (saved === undefined) delete process.env.NATS_URL;
      else process.env.NATS_URL = saved;
    }
  });
});

describe('TRUST_PROXY', () => {
  const trustProxy = z.object({ TRUST_PROXY: commonEnv.TRUST_PROXY });
  const format = 'must be a comma-separated list of IP addresses, CIDR ranges or loopback, linklocal, uniquelocal';

  it('is loopback unless set, where the local gateway is', () => {
    expect(loadConfig(trustProxy, {})).toEqual({ TRUST_PROXY: 'loopback' });
  });

  it('takes addresses, CIDR ranges and the names Express knows', () => {
    const value = '10.0.0.0/8, 192.168.1.7, fd00::/8, loopback, uniquelocal';

    expect(loadConfig(trustProxy, { TRUST_PROXY: value })).toEqual({ TRUST_PROXY: value });
  });

  it.each([
    ['a name Express does not know', 'the ingress', `TRUST_PROXY: ${format} (invalid IP address: the ingress)`],
    ['true, which would believe anyone', 'true', `TRUST_PROXY: ${format} (invalid IP address: true)`],
    ['a bad range', '10.0.0.0/33', `TRUST_PROXY: ${format} (invalid range on address: 10.0.0.0/33)`],
    ['a number of hops', '1', `TRUST_PROXY: ${format}, not a number of hops`],
  ])('refuses %s', (_description, value, problem) => {
    expect(() => loadConfig(trustProxy, { TRUST_PROXY: value })).toThrow(new ConfigError([problem]));
  });
});

describe('NATS_STREAM_REPLICAS', () => {
  const replicas = z.object({ NATS_STREAM_REPLICAS: commonEnv.NATS_STREAM_REPLICAS });

  it('is 1 unless set: one NATS server, as in tests, the local stack and the dev overlay', () => {
    expect(loadConfig(replicas, {})).toEqual({ NATS_STREAM_REPLICAS: 1 });
    expect(loadConfig(replicas, { NATS_STREAM_REPLICAS: '' })).toEqual({ NATS_STREAM_REPLICAS: 1 });
  });

  it.each([['1'], ['3'], ['5']])('takes %s as a number', (value) => {
    expect(loadConfig(replicas, { NATS_STREAM_REPLICAS: value })).toEqual({ NATS_STREAM_REPLICAS: Number(value) });
  });

  it.each([['0'], ['6'], ['2.5'], ['-1'], ['three']])('refuses %s with one message', (value) => {
    expect(() => loadConfig(replicas, { NATS_STREAM_REPLICAS: value })).toThrow(
      new ConfigError(['NATS_STREAM_REPLICAS: must be an integer from 1 to 5']),
    );
  });
});
