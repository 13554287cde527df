import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
// Straight from the files: the whole common kit (or its testing index, which loads test servers) is not needed.
import { parseJwtPrivateKey } from '../../common/src/middlewares/jwt-keys';
import { signin } from '../../common/src/testing/signin';
import { hasCaughtUp, waitFor } from '../../common/src/testing/wait';
import { EVENT_STREAM } from '../../common/src/events/bus';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { MongoClient, ObjectId, type Db } from 'mongodb';
import { startStack, type Stack } from '../../local/stack/src';
import { staleBuilds } from '../../local/stack/src/build';
import { databaseUri } from '../../local/stack/src/services';
import { run, workspaceEnv } from './processes';

/**
 * Builds the services (and common) when their dist/ is missing or older than their sources, as
 * `npm start` does; resolves with what was built and how long it took.
 */
export async function buildIfStale(): Promise<{ built: string[]; ms: number }> {
  const stale = staleBuilds();
  const started = performance.now();
  if (stale.length > 0) {
    console.log(`building ${stale.join(', ')}`);
    const args = ['run', 'build', '--silent', ...stale.flatMap((workspace) => ['--workspace', workspace])];
    await run('npm', args, workspaceEnv());
  }
  return { built: stale, ms: performance.now() - started };
}

/** The local stack on production builds (no web client), with what the figures need to look inside it. */
export class BenchSystem {
  private constructor(
    readonly stack: Stack,
    private readonly dataDir: string,
    private readonly mongo: MongoClient,
    /** How long startStack took, builds already made. */
    readonly startMs: number,
  ) {}

  static async start(options: { replicas: number; expirationWindowSeconds?: number }): Promise<BenchSystem> {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'ticketing-bench-'));
    // Sign-ups all come from 127.0.0.1: lift the per-client limit that would refuse them.
    process.env.SIGNUP_MAX_PER_CLIENT = '1000000';
    const started = performance.now();
    let stack: Stack;
    try {
      stack = await startStack({
        dataDir,
        runMode: 'build',
        client: false,
        replicas: options.replicas,
        expirationWindowSeconds: options.expirationWindowSeconds,
        logLevel: 'warn',
        onGiveUp: (message) => console.error(message),
      });
    } catch (error) {
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
    const startMs = performance.now() - started;
    const mongo = await MongoClient.connect(stack.infrastructure.mongo);
    return new BenchSystem(stack, dataDir, mongo, startMs);
  }

  db(service: 'tickets' | 'orders' | 'auth' | 'notifications'): Db {
    return this.mongo.db(new URL(databaseUri(this.stack.infrastructure.mongo, service)).pathname.slice(1));
  }

  /**
   * Session cookies, as auth would sign them, of `count` new accounts, which notifications knows as
   * it would from their user.created: its copy of each is written straight to its database, as the
   * HTTP figure seeds tickets. A buyer notifications does not know keeps every email about their
   * orders waiting (redelivered until it arrives), a load no real buyer makes.
   */
  async signedInUsers(count: number): Promise<string[]> {
    const signingKey = parseJwtPrivateKey(this.stack.jwtKeys.privateKey);
    const users = Array.from({ length: count }, () => {
      const _id = new ObjectId();
      return { _id, email: `${_id.toHexString()}@bench.test` };
    });
    await this.db('notifications').collection('users').insertMany(users);
    return users.map(({ _id, email }) => signin({ id: _id.toHexString(), email, signingKey }).join('; '));
  }

  /** The session cookie of one new account (see signedInUsers). */
  async signedInUser(): Promise<string> {
    const [cookie] = await this.signedInUsers(1);
    return cookie;
  }

  /** The base URL of the first instance of a service, straight, without the gateway. */
  serviceUrl(name: string): string {
    const instance = this.stack.instances.find((candidate) => candidate.name === name);
    if (!instance) throw new Error(`no instance ${name}`);
    return `http://127.0.0.1:${instance.port}`;
  }

  /**
   * Resolves once every service's consumers have handled every event stored so far, so that one
   * load's aftermath (its events still flowing) does not run into the next one's measurement.
   */
  async eventsSettled(timeoutMs = 60_000): Promise<void> {
    const connection = await connect({ servers: this.stack.infrastructure.nats });
    try {
      const jsm = await jetstreamManager(connection);
      await waitFor(
        async () => {
          for await (const info of jsm.consumers.list(EVENT_STREAM)) {
            if (!hasCaughtUp(info)) return false;
          }
          return true;
        },
        { timeoutMs, intervalMs: 100, description: 'every consumer to handle every event' },
      );
    } finally {
      await connection.close();
    }
  }

  async stop(): Promise<void> {
    await this.mongo.close();
    await this.stack.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
