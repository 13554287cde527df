import { statSync } from 'node:fs';
import { parseJwtPrivateKey, parseJwtPublicKeys } from '@ticketing/common';
import { developmentJwtKeys, stackJwtKeys } from '../src/jwt-keys';
import { SERVICE_NAMES, serviceEnvironment, type ServiceConnections } from '../src/services';
import { makeTempDir, removeDir } from './helpers';

let dataDir: string;
beforeEach(async () => {
  dataDir = await makeTempDir();
});
afterEach(() => removeDir(dataDir));

describe('session keys of the local stack', () => {
  it('are generated once into the data dir, readable by its owner only, and kept', () => {
    const first = developmentJwtKeys(dataDir);
    const again = developmentJwtKeys(dataDir);

    expect(again).toEqual(first);
    expect(statSync(`${dataDir}/jwt-private-key.json`).mode & 0o777).toBe(0o600);
    const privateKey = parseJwtPrivateKey(first.privateKey);
    const publicKeys = parseJwtPublicKeys(first.publicKeys);
    expect([...publicKeys.keys()]).toEqual([privateKey.kid]);
    expect(first.publicKeys).not.toContain('"d"');
  });

  it('take the public keys given with a private key, else its public half alone', () => {
    const { privateKey, publicKeys } = developmentJwtKeys(dataDir);
    const rotating = JSON.stringify({
      keys: [...JSON.parse(publicKeys).keys, { ...JSON.parse(publicKeys).keys[0], kid: 'old' }],
    });

    expect(stackJwtKeys(privateKey)).toEqual({ privateKey, publicKeys });
    expect(stackJwtKeys(privateKey, rotating)).toEqual({ privateKey, publicKeys: rotating });
    expect(() => stackJwtKeys('not a key')).toThrow('JWT_PRIVATE_KEY is not an Ed25519 private JWK (with its kid)');
  });

  it('reach auth whole and the other services as public keys only', () => {
    const jwtKeys = developmentJwtKeys(dataDir);
    const connections: ServiceConnections = {
      mongoUri: 'mongodb://127.0.0.1:1',
      natsUrl: 'nats://127.0.0.1:2',
      redisUrl: 'redis://127.0.0.1:3',
      jwtKeys,
      publicOrigins: ['http://127.0.0.1:3000'],
      smtpUrl: 'smtp://127.0.0.1:4',
    };

    expect(serviceEnvironment('auth', 1, connections)).toMatchObject({
      JWT_PRIVATE_KEY: jwtKeys.privateKey,
      JWT_PUBLIC_KEYS: jwtKeys.publicKeys,
    });
    for (const service of ['tickets', 'orders', 'payments', 'notifications'] as const) {
      const env = serviceEnvironment(service, 1, connections);
      expect(env.JWT_PUBLIC_KEYS).toBe(jwtKeys.publicKeys);
      expect(env).not.toHaveProperty('JWT_PRIVATE_KEY');
    }
    expect(
      Object.keys(serviceEnvironment('expiration', 1, connections)).filter((name) => name.startsWith('JWT')),
    ).toEqual([]);
    // Auth writes sign-outs to NATS, where every service watches them.
    for (const service of SERVICE_NAMES) {
      expect(serviceEnvironment(service, 1, connections).NATS_URL).toBe('nats://127.0.0.1:2');
    }
  });
});
