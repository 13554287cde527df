// `npm run backfill:user-created -w @ticketing/auth` (in the image: `node dist/backfill/cli.js`): records
// and publishes user.created for every account made before sign-up announced them. One-off and safe
// to run again: an account is announced once, whoever runs it and however often.
import {
  commonEnv,
  ConfigError,
  connectBus,
  createLogger,
  loadConfig,
  Outbox,
  Subjects,
  type Bus,
} from '@ticketing/common';
import mongoose from 'mongoose';
import { z } from 'zod';
import { backfillUserCreated } from './user-created';

/** What the command reads, as the auth service reads it. */
export const backfillEnv = {
  MONGO_URI: commonEnv.MONGO_URI,
  NATS_URL: commonEnv.NATS_URL,
  // The streams are provisioned as the services provision them, never with fewer copies.
  NATS_STREAM_REPLICAS: commonEnv.NATS_STREAM_REPLICAS,
};

export interface BackfillOutput {
  /** One line of the command's result. */
  print(line: string): void;
  /** One line saying why the command failed. */
  printError(line: string): void;
}

/**
 * Runs the backfill against the auth service's MongoDB and NATS named by `env`; resolves with the
 * exit code. Every failure is one line on `printError` and exit code 1, never a stack trace.
 */
export async function runUserCreatedBackfill(env: NodeJS.ProcessEnv, output: BackfillOutput): Promise<number> {
  let config: z.output<z.ZodObject<typeof backfillEnv>>;
  try {
    config = loadConfig(z.object(backfillEnv), env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    output.printError(err.message);
    return 1;
  }

  const logger = createLogger('auth-backfill', { level: 'silent' });
  let bus: Bus | undefined;
  try {
    try {
      await mongoose.connect(config.MONGO_URI, { serverSelectionTimeoutMS: 10_000 });
    } catch (err) {
      // Not the URI itself: it may hold a password.
      output.printError(`cannot reach MongoDB (MONGO_URI): ${errorMessage(err)}`);
      return 1;
    }
    try {
      bus = await connectBus({
        servers: config.NATS_URL,
        name: 'auth-backfill-user-created',
        logger,
        waitForFirstConnect: false,
        streamReplicas: config.NATS_STREAM_REPLICAS,
      });
      await bus.ensureStream();
    } catch (err) {
      output.printError(`cannot reach NATS (NATS_URL): ${errorMessage(err)}`);
      return 1;
    }
    const outbox = new Outbox({ connection: mongoose.connection, bus, logger });
    const { recorded, alreadyAnnounced } = await backfillUserCreated(outbox);
    output.print(`recorded user.created for ${plural(recorded, 'account')}; ${alreadyAnnounced} already announced`);
    // Published after each commit; one that could not be is the auth service's relay's to publish.
    const unpublished = await outbox.model.countDocuments({ subject: Subjects.UserCreated, publishedAt: null });
    if (unpublished > 0) {
      output.print(`${plural(unpublished, 'user.created event')} left for the auth service's outbox relay to publish`);
    }
    return 0;
  } catch (err) {
    output.printError(`backfill failed: ${errorMessage(err)}`);
    return 1;
  } finally {
    await bus?.close();
    await mongoose.disconnect();
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

if (require.main === module) {
  void runUserCreatedBackfill(process.env, {
    print: (line) => console.log(line),
    printError: (line) => console.error(line),
  }).then((code) => {
    process.exitCode = code;
  });
}
