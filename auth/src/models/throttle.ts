import { isDuplicateKeyError, TooManyRequestsError } from '@ticketing/common';
import mongoose from 'mongoose';

// Two first attempts for one key can both try to insert its counter; the loser updates the winner's.
const UPSERT_TRIES = 3;

interface AttemptCounterFields {
  /** What is counted, e.g. `signin-email:<address>`, `signin-client:<ip>` or `signup-client:<ip>`. */
  _id: string;
  count: number;
  windowStartedAt: Date;
  /** End of the window; the TTL index removes the counter some time after it. */
  expiresAt: Date;
}

const attemptCounterSchema = new mongoose.Schema<AttemptCounterFields>(
  {
    _id: { type: String, required: true },
    count: { type: Number, required: true },
    windowStartedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);
attemptCounterSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

/**
 * The sign-in and sign-up throttles' counters, in MongoDB so that every replica of the service
 * counts against the same limits.
 */
export const AttemptCounter = mongoose.model<AttemptCounterFields>('AttemptCounter', attemptCounterSchema);

/** One counter an attempt is counted on, and how many attempts it allows within the window. */
interface Limit {
  key: string;
  maxAttempts: number;
}

interface CountedAttempt {
  key: string;
  windowStartedAt: Date;
}

/** Says when to try again in whole minutes, rounded up: the Retry-After header has the seconds. */
function retryIn(retryAfterSeconds: number): string {
  const minutes = Math.ceil(retryAfterSeconds / 60);
  return `try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
}

/** Takes one attempt back from a counter, unless its window has been restarted since. */
async function uncount({ key, windowStartedAt }: CountedAttempt): Promise<void> {
  await AttemptCounter.updateOne({ _id: key, windowStartedAt }, { $inc: { count: -1 } });
}

/**
 * Counts attempts against limits within a fixed window that starts at a counter's first attempt.
 * Every attempt is counted before it is tried (one atomic update per counter), so parallel
 * attempts cannot all pass while the counters are still low.
 */
class FixedWindow {
  constructor(private readonly windowSeconds: number) {}

  /**
   * Counts the attempt on every limit's counter, or throws TooManyRequestsError (counting nothing)
   * when any of them is reached.
   */
  async admit(limits: Limit[], tooManyMessage: string): Promise<CountedAttempt[]> {
    const now = new Date();
    const counters = await Promise.all(limits.map((limit) => this.count(limit.key, now)));
    const attempts = counters.map((counter) => ({ key: counter._id, windowStartedAt: counter.windowStartedAt }));

    const retryAfterSeconds = Math.max(
      0,
      ...counters.map((counter, index) =>
        counter.count > limits[index].maxAttempts ? this.secondsLeftInWindow(counter, now) : 0,
      ),
    );
    if (retryAfterSeconds > 0) {
      await Promise.all(attempts.map(uncount));
      throw new TooManyRequestsError(retryAfterSeconds, `${tooManyMessage}: ${retryIn(retryAfterSeconds)}`);
    }
    return attempts;
  }

  private secondsLeftInWindow(counter: AttemptCounterFields, now: Date): number {
    const windowEnd = counter.windowStartedAt.getTime() + this.windowSeconds * 1000;
    return Math.max(1, Math.ceil((windowEnd - now.getTime()) / 1000));
  }

  /** Adds one to the key's counter, first starting a new window if there is none or it has ended. */
  private async count(key: string, now: Date): Promise<AttemptCounterFields> {
    const windowMs = this.windowSeconds * 1000;
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
        const counter = await AttemptCounter.findOneAndUpdate({ _id: key }, update, {
          upsert: true,
          returnDocument: 'after',
          updatePipeline: true,
        }).lean();
        if (!counter) throw new Error(`Upsert of attempt counter ${key} returned no document`);
        return counter;
      } catch (err) {
        if (!isDuplicateKeyError(err) || attempt >= UPSERT_TRIES) throw err;
      }
    }
  }
}

export interface SigninThrottleOptions {
  /** Failures for one email from one client address: the limit a guesser meets first. */
  maxFailuresPerEmailAndClient: number;
  /** Failures from one client address, whatever the emails. */
  maxFailuresPerClient: number;
  /**
   * Failures for one email from every address together: much higher than per email and client,
   * so that a stranger guessing from elsewhere cannot lock the owner out, while guessing one
   * account from many addresses still meets a ceiling.
   */
  maxFailuresPerEmail: number;
  windowSeconds: number;
}

/** A sign-in attempt the throttle let through; until `succeeded()` it counts as a failure. */
export class AdmittedSignin {
  constructor(
    private readonly pairAttempt: CountedAttempt,
    private readonly otherAttempts: CountedAttempt[],
  ) {}

  /**
   * The password was right: this email from this client starts afresh, and the attempt stops
   * counting against the client and the email. The email's other failures still count: the
   * owner signing in must not wipe out what a guesser elsewhere has used up.
   */
  async succeeded(): Promise<void> {
    await Promise.all([AttemptCounter.deleteOne({ _id: this.pairAttempt.key }), ...this.otherAttempts.map(uncount)]);
  }
}

/** Limits failed sign-ins per email and client address, per client address and (higher) per email. */
export class SigninThrottle {
  private readonly window: FixedWindow;

  constructor(private readonly options: SigninThrottleOptions) {
    this.window = new FixedWindow(options.windowSeconds);
  }

  /** Counts the attempt as a failure, or throws TooManyRequestsError (counting nothing) when a limit is reached. */
  async admit(email: string, clientAddress: string): Promise<AdmittedSignin> {
    const [pairAttempt, ...otherAttempts] = await this.window.admit(
      [
        { key: `signin-pair:${clientAddress} ${email}`, maxAttempts: this.options.maxFailuresPerEmailAndClient },
        { key: `signin-client:${clientAddress}`, maxAttempts: this.options.maxFailuresPerClient },
        { key: `signin-email:${email}`, maxAttempts: this.options.maxFailuresPerEmail },
      ],
      'Too many failed sign-in attempts',
    );
    return new AdmittedSignin(pairAttempt, otherAttempts);
  }
}

export interface SignupThrottleOptions {
  maxPerClient: number;
  windowSeconds: number;
}

/** Limits sign-ups per client address: each one counts, taken or not, since each can create an account. */
export class SignupThrottle {
  private readonly window: FixedWindow;

  constructor(private readonly options: SignupThrottleOptions) {
    this.window = new FixedWindow(options.windowSeconds);
  }

  /** Counts the sign-up, or throws TooManyRequestsError (counting nothing) when the client's limit is reached. */
  async admit(clientAddress: string): Promise<void> {
    await this.window.admit(
      [{ key: `signup-client:${clientAddress}`, maxAttempts: this.options.maxPerClient }],
      'Too many sign-ups from this address',
    );
  }
}
