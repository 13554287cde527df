import { SERVICE_APIS, SERVICE_NAMES, serviceEnvironment, type ServiceConnections } from '../src/services';

const connections: ServiceConnections = {
  mongoUri: 'mongodb://127.0.0.1:1/?replicaSet=rs0',
  natsUrl: 'nats://127.0.0.1:2',
  redisUrl: 'redis://127.0.0.1:3',
  jwtKeys: { privateKey: '{"kid":"private"}', publicKeys: '{"keys":[]}' },
  publicOrigins: ['http://127.0.0.1:3000', 'http://localhost:3000'],
  smtpUrl: 'smtp://127.0.0.1:2525',
};

test('notifications is the sixth service, with its API behind the gateway', () => {
  expect(SERVICE_NAMES).toEqual(['auth', 'tickets', 'orders', 'payments', 'expiration', 'notifications']);
  expect(SERVICE_APIS.notifications).toEqual({
    prefix: '/api/notifications',
    title: 'Notifications: email preferences',
  });
});

test('notifications gets its own database, NATS, the public keys, the mail sink and the links to the gateway', () => {
  expect(serviceEnvironment('notifications', 3600, connections)).toEqual({
    PORT: '3600',
    HOST: '127.0.0.1',
    TRUST_PROXY: 'loopback',
    PUBLIC_ORIGIN: 'http://127.0.0.1:3000,http://localhost:3000',
    MONGO_URI: 'mongodb://127.0.0.1:1/notifications?replicaSet=rs0',
    JWT_PUBLIC_KEYS: '{"keys":[]}',
    NATS_URL: 'nats://127.0.0.1:2',
    SMTP_URL: 'smtp://127.0.0.1:2525',
    MAIL_FROM: 'Ticketing <no-reply@ticketing.local>',
    PUBLIC_URL: 'http://127.0.0.1:3000',
  });
});

test('no other service is given the mail settings', () => {
  for (const name of SERVICE_NAMES.filter((service) => service !== 'notifications')) {
    const env = serviceEnvironment(name, 1, connections);
    expect([env.SMTP_URL, env.MAIL_FROM, env.PUBLIC_URL]).toEqual([undefined, undefined, undefined]);
  }
});
