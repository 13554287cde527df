import request, { type Response } from 'supertest';
import { User } from '../src/models/user';
import { captureLogs } from '@ticketing/common/testing';
import { buildApp, sessionCookieFrom, useTestEnvironment } from './setup';

useTestEnvironment();

const PASSWORD = 'Tr0ub4dor&3-unique-marker';

describe('passwords and hashes', () => {
  it('never appear in a response or a log line, on any route or failure', async () => {
    const logs = captureLogs({ serviceName: 'auth', level: 'trace' });
    const app = buildApp({
      logger: logs.logger,
      signinThrottle: {
        maxFailuresPerEmailAndClient: 2,
        maxFailuresPerClient: 100,
        maxFailuresPerEmail: 100,
        windowSeconds: 600,
      },
    });
    const post = (path: string, body: object) => request(app).post(path).send(body);
    const responses: Response[] = [];

    const created = await post('/api/users/signup', { email: 'alice@example.com', password: PASSWORD });
    const cookie = sessionCookieFrom(created);
    responses.push(
      created,
      await post('/api/users/signup', { email: 'alice@example.com', password: PASSWORD }),
      await post('/api/users/signup', { email: 'bob@example.com', password: PASSWORD.slice(0, 7) }),
      await post('/api/users/signup', { email: 'bob@example.com', password: PASSWORD, extra: PASSWORD }),
      await post('/api/users/signup', { email: PASSWORD, password: PASSWORD }),
      await post('/api/users/signin', { email: 'alice@example.com', password: PASSWORD }),
      await post('/api/users/signin', { email: 'alice@example.com', password: `${PASSWORD}-wrong` }),
      await post('/api/users/signin', { email: 'alice@example.com', password: `${PASSWORD}-wrong` }),
      await post('/api/users/signin', { email: 'alice@example.com', password: PASSWORD }),
      await post('/api/users/signin', { email: 'nobody@example.com', password: PASSWORD }),
      await post('/api/users/signin', { email: 'alice@example.com', password: { $ne: PASSWORD } }),
      await post('/api/users/signin', { email: 'alice@example.com', password: PASSWORD.repeat(1000) }),
      await request(app).get('/api/users/currentuser').set('Cookie', cookie),
      await request(app).post('/api/users/signout').set('Cookie', cookie),
    );
    expect(responses.map((response) => response.status)).toEqual([
      201, 400, 400, 400, 400, 200, 400, 400, 429, 400, 400, 413, 200, 200,
    ]);

    const user = await User.findOne({ email: 'alice@example.com' }).select('+passwordHash').orFail();
    const [, , , , salt, key] = user.passwordHash.split('$');
    const secrets = [PASSWORD, user.passwordHash, salt, key];
    const everythingSent = responses.map((response) => JSON.stringify(response.headers) + response.text);

    expect(logs.raw.length).toBeGreaterThanOrEqual(responses.length);
    for (const text of [...everythingSent, ...logs.raw]) {
      for (const secret of secrets) {
        expect(text).not.toContain(secret);
      }
    }
  });
});
