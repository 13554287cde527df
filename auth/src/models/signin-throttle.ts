import { isDuplicateKeyError, TooManyRequestsError } from '@ticketing/common';
import mongoose from 'mongoose';

// Two first attempts for one key can both try to insert its counter; the loser updates the winner's.
const UPSERT_TRIES = 3;

interface FailureCounterFields {
  /** What is counted: `email:<address>` or `client:<ip>`. */
  _id: string;
  count: number;
  windowStartedAt: Date;
  /** End of the window; the TTL index removes the counter some time after it. */
  expiresAt: Date;
}

const failureCounterSchema = new mongoose.Schema<FailureCounterFields>(
  {
    _id: { type: String, required: true },
    count: { type: Number, required: true },
    windowStartedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);
failureCounterSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

/**
 * Failed sign-ins per email and per client address, in MongoDB so that every replica of the
 * service counts against the same limits.
 */
export const SigninFailureCounter = mongoose.model<FailureCounterFields>('SigninFailureCounter', failureCounterSchema);

export interface SigninThrottleOptions {
  maxFailuresPerEmail: number;
  maxFailuresPerClient: number;
  windowSeconds: number;
}

interface CountedAttempt {
  key: string;
  windowStartedAt: Date;
}

/** Says when to try again in whole minutes, rounded up: the Retry-After header has the seconds. */
function tooManyFailuresMessage(retryAfterSeconds: number): string {
  const minutes = Math.ceil(retryAfterSeconds / 60);
  return `Too many failed sign-in attempts: try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
}

/** Takes one attempt back from a counter, unless its window has been restarted since. */
async function uncount({ key, windowStartedAt }: CountedAttempt): Promise<void> {
  await SigninFailureCounter.updateOne({ _id: key, windowStartedAt }, { $inc: { count: -1 } });
}

/** A sign-in attempt the throttle let through; until `succeeded()` it counts as a failure. */
export class AdmittedSignin {
  constructor(
    private readonly emailAttempt: CountedAttempt,
    private readonly clientAttempt: CountedAttempt,
  ) {}

  /** The password was right: the email starts afresh and this attempt stops counting against the client. */
  async succeeded(): Promise<void> {
    await Promise.all([SigninFailureCounter.deleteOne({ _id: this.emailAttempt.key }), uncount(this.clientAttempt)]);
  }
}

/**
 * Limits failed sign-ins per email and per client address within a fixed window that starts
 * at the first failure. Every attempt is counted as a failure before the password is checked
 * (one atomic update per counter), so parallel guesses cannot all pass while the counters are
 * still low; a successful attempt is then taken back.
 */
export class SigninThrottle {
  constructor(private readonly options: SigninThrottleOptions) {}

  /** Counts the attempt, or throws TooManyRequestsError (counting nothing) when either limit is reached. */
  async admit(email: string, clientAddress: string): Promise<AdmittedSignin> {
    const now = new Date();
    const checks = [
      { key: `email:${email}`, maxFailures: this.options.maxFailuresPerEmail },
      { key: `client:${clientAddress}`, maxFailures: this.options.maxFailuresPerClient },
    ];
    const counters = await Promise.all(checks.map((check) => this.count(check.key, now)));

    const retryAfterSeconds = Math.max(
      0,
      ...counters.map((counter, index) =>
        counter.count > checks[index].maxFailures ? this.secondsLeftInWindow(counter, now) : 0,
      ),
    );
    const [emailAttempt, clientAttempt] = counters.map((counter) => ({
      key: counter._id,
      windowStartedAt: counter.windowStartedAt,
    }));
    if (retryAfterSeconds > 0) {
      await Promise.all([uncount(emailAttempt), uncount(clientAttempt)]);
      throw new TooManyRequestsError(retryAfterSeconds, tooManyFailuresMessage(retryAfterSeconds));
    }
    return new AdmittedSignin(emailAttempt, clientAttempt);
  }

  private secondsLeftInWindow(counter: FailureCounterFields, now: Date): number {
    const windowEnd = counter.windowStartedAt.getTime() + this.options.windowSeconds * 1000;
    return Math.max(1, Math.ceil((windowEnd - now.getTime()) / 1000));
  }

  /** Adds one to the key's counter, first starting a new window if there is none or it has ended. */
  private async count(key: string, now: Date): Promise<FailureCounterFields> {
    const windowMs = this.options.windowSeconds * 1000;
    const windowOpen = { $gt: ['$windowStartedAt', new Date(now.getTime() - windowMs)] };
    // One $set stage: every expression reads the counter as it was before this update.
    const update = [
      {
        $set: {
          count: { $cond: [windowOpen, { $add: ['$count', 1] }, 1] },
          windowStartedAt: { $cond: [windowOpen, '$windowStartedAt', now] },
          expiresAt: { $cond: [windowOpen, '$expiresAt', new Date(now.getTime() + windowMs)] },
        },
      },
    ];
    for (let attempt = 1; ; attempt++) {
      try {
        const counter = await SigninFailureCounter.findOneAndUpdate({ _id: key }, update, {
          upsert: true,
          returnDocument: 'after',
          updatePipeline: true,
        }).lean();
        if (!counter) throw new Error(`Upsert of sign-in failure counter ${key} returned no document`);
        return counter;
      } catch (err) {
        if (!isDuplicateKeyError(err) || attempt >= UPSERT_TRIES) throw err;
      }
    }
  }
}
