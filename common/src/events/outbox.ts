import mongoose, { Schema, type ClientSession, type Connection, type Model } from 'mongoose';
import { backoffDelay } from '../kit/backoff';
import { traceCarrierOf } from '../kit/trace-context';
import type { Bus, BusLogger } from './bus';
import { crashAfterCommitIfTriggered } from './crash-after-commit';
import { publishEventPayload } from './publisher';
import { parseEventData, type EventData } from './schemas';
import type { Subjects } from './subjects';

/** An event committed together with the state change it describes; its id is the event id. */
export interface OutboxRecord {
  _id: mongoose.Types.ObjectId;
  subject: string;
  data: unknown;
  createdAt: Date;
  /** Null until the stream has acknowledged the event. */
  publishedAt: Date | null;
  /**
   * W3C trace context of the request or event handling that recorded it, so that the event continues
   * that trace whenever and by whichever replica it is published. Absent on records written before
   * tracing (they are published all the same) and when nothing was traced.
   */
  traceparent?: string;
  tracestate?: string;
}

const OUTBOX_MODEL = 'OutboxRecord';

const outboxSchema = new Schema<OutboxRecord>(
  {
    subject: { type: String, required: true },
    data: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
    publishedAt: { type: Date, default: null },
    traceparent: { type: String },
    tracestate: { type: String },
  },
  { collection: 'outbox', versionKey: false, minimize: false },
);
// Pending records in creation order (ObjectIds grow with time), and pruning by age.
outboxSchema.index({ publishedAt: 1, _id: 1 });

/** The `outbox` collection's model on `connection`. */
export function outboxModel(connection: Connection): Model<OutboxRecord> {
  return (
    (connection.models[OUTBOX_MODEL] as Model<OutboxRecord> | undefined) ??
    connection.model<OutboxRecord>(OUTBOX_MODEL, outboxSchema)
  );
}

/** Adds an event to the transaction's outbox; validates it now, returns its event id. */
export type RecordEvent = <S extends Subjects>(subject: S, data: EventData<S>) => string;

export interface OutboxOptions {
  connection: Connection;
  logger: BusLogger;
  /** Without a bus, events are left to the `OutboxRelay`. */
  bus?: Bus;
}

/**
 * The transactional outbox: a service's state changes and the events describing
 * them commit in one MongoDB transaction, so a crash can delay an event but never
 * lose it. Events are published right after the commit when NATS is up, in the
 * background and in commit order; whatever is left is published by the `OutboxRelay`.
 */
export class Outbox {
  readonly model: Model<OutboxRecord>;
  private readonly logger: BusLogger;
  private readonly bus: Bus | undefined;
  /** The publishing of committed events, one transaction's after the other's. */
  private publishing: Promise<void> = Promise.resolve();
  /** Records published after their commit and not yet marked so (see markInBackground). */
  private unmarked: mongoose.Types.ObjectId[] = [];
  /** The write marking `unmarked` records published, while one runs. */
  private marking: Promise<void> | undefined;

  constructor(options: OutboxOptions) {
    this.model = outboxModel(options.connection);
    this.logger = options.logger;
    this.bus = options.bus;
  }

  /**
   * Runs `work` in a transaction (retried as a whole on transient errors, so it
   * must only write through `session`); the events it records are inserted in the
   * same transaction. Resolves with `work`'s result once committed, without waiting for its
   * events to be published (see publishAfterCommit).
   */
  async transaction<T>(work: (session: ClientSession, record: RecordEvent) => Promise<T>): Promise<T> {
    let records: OutboxRecord[] = [];
    const result = await this.model.db.transaction(async (session) => {
      // A retried attempt starts over: events recorded by an aborted attempt never happened.
      records = [];
      const record: RecordEvent = (subject, data) => {
        const outboxRecord: OutboxRecord = {
          _id: new mongoose.Types.ObjectId(),
          subject,
          data: parseEventData(subject, data),
          createdAt: new Date(),
          publishedAt: null,
          // The active context here is the one `transaction` was called in: the request's or the event's.
          ...traceCarrierOf(),
        };
        records.push(outboxRecord);
        return outboxRecord._id.toHexString();
      };
      const value = await work(session, record);
      if (records.length > 0) await this.model.insertMany(records, { session });
      return value;
    });
    crashAfterCommitIfTriggered(records.map((record) => record.subject));
    this.publishAfterCommit(records);
    return result;
  }

  /**
   * Publishes a committed transaction's events in the background, after those of the transactions
   * committed before it, so that the request or event that made them is answered without waiting
   * for NATS. The guarantee is the commit's: an event whose publishing fails, or is cut short by a
   * crash, is still in the outbox, and the relay publishes it.
   */
  private publishAfterCommit(records: OutboxRecord[]): void {
    const bus = this.bus;
    if (!bus || records.length === 0) return;
    this.publishing = this.publishing.then(async () => {
      if (!bus.isConnected()) return;
      const published: mongoose.Types.ObjectId[] = [];
      try {
        await this.publishEach(bus, records, published);
      } catch (err) {
        this.logger.warn({ err }, 'could not publish after commit, leaving events to the outbox relay');
      } finally {
        this.markInBackground(published);
      }
    });
  }

  /**
   * Marks records published without holding up the next transaction's publishing: the records
   * published while one write runs are marked together by the next. Publishing and marking one
   * after the other for every transaction capped the events a service could publish at one
   * commit's round trip each (about 50 a second under load). A record whose mark is lost (a failed
   * write, a crash) stays in the outbox and the relay publishes it again, which NATS drops as a
   * duplicate (same message id), as after any crash between publishing and marking.
   */
  private markInBackground(published: mongoose.Types.ObjectId[]): void {
    this.unmarked.push(...published);
    if (this.marking || this.unmarked.length === 0) return;
    this.marking = (async () => {
      while (this.unmarked.length > 0) {
        const batch = this.unmarked.splice(0);
        try {
          await this.markPublished(batch);
        } catch (err) {
          this.logger.warn({ err }, 'could not mark published events, leaving them to the outbox relay');
        }
      }
      this.marking = undefined;
    })();
  }

  /** Resolves once the events of every transaction committed so far were published and marked, or left to the relay. */
  async flush(): Promise<void> {
    await this.publishing;
    await this.marking;
  }

  /** Publishes up to `limit` unpublished records, oldest first; returns how many. */
  async publishPending(bus: Bus, limit: number): Promise<number> {
    const records = await this.model.find({ publishedAt: null }).sort({ _id: 1 }).limit(limit).lean<OutboxRecord[]>();
    await this.publish(bus, records);
    return records.length;
  }

  /** Deletes records published more than `retentionMs` ago; returns how many. */
  async prunePublished(retentionMs: number): Promise<number> {
    const result = await this.model.deleteMany({
      publishedAt: { $ne: null, $lte: new Date(Date.now() - retentionMs) },
    });
    return result.deletedCount;
  }

  private async publish(bus: Bus, records: OutboxRecord[]): Promise<void> {
    const published: mongoose.Types.ObjectId[] = [];
    try {
      await this.publishEach(bus, records, published);
    } finally {
      // What was published before a failure is not published again.
      await this.markPublished(published);
    }
  }

  /** Publishes `records` in order, adding each one's id to `published` once NATS has it. */
  private async publishEach(bus: Bus, records: OutboxRecord[], published: mongoose.Types.ObjectId[]): Promise<void> {
    for (const record of records) {
      // Validated when recorded; publishing as stored keeps an old record from blocking the relay.
      await publishEventPayload(bus, record.subject, record.data, record._id.toHexString(), {
        traceparent: record.traceparent,
        tracestate: record.tracestate,
      });
      published.push(record._id);
    }
  }

  /** One write for the lot. */
  private async markPublished(ids: mongoose.Types.ObjectId[]): Promise<void> {
    if (ids.length === 0) return;
    await this.model.updateMany({ _id: { $in: ids } }, { $set: { publishedAt: new Date() } });
  }
}

export interface OutboxRelayOptions {
  outbox: Outbox;
  bus: Bus;
  /** Pause between checks for unpublished records. */
  intervalMs?: number;
  batchSize?: number;
  /** Longest pause after repeated failures. */
  maxBackoffMs?: number;
  /** How long published records are kept before being pruned. */
  retentionMs?: number;
}

const PRUNE_EVERY_MS = 60 * 60_000;

/**
 * Publishes what the outbox still holds: at start, every `intervalMs`, and when
 * poked. Every replica may run one; the stream drops the duplicates by event id.
 * While NATS is down it only checks the connection; failed publishes back off, and
 * the next run provisions the stream first, in case it is what went missing (NATS
 * restarted with an empty store: publishes then find no stream to answer them).
 */
export class OutboxRelay {
  private readonly outbox: Outbox;
  private readonly bus: Bus;
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly maxBackoffMs: number;
  private readonly retentionMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private started = false;
  private pokedWhileRunning = false;
  private failures = 0;
  private waitingForNats = false;
  private lastPruneAt = 0;

  constructor(options: OutboxRelayOptions) {
    this.outbox = options.outbox;
    this.bus = options.bus;
    this.intervalMs = options.intervalMs ?? 1_000;
    this.batchSize = options.batchSize ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.retentionMs = options.retentionMs ?? 7 * 24 * 60 * 60_000;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  /** Asks for a run now instead of at the next interval (ignored while backing off). */
  poke(): void {
    if (!this.started || this.failures > 0) return;
    if (this.running) this.pokedWhileRunning = true;
    else this.schedule(0);
  }

  /** Stops scheduling runs and waits for the current one. */
  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.run().finally(() => {
        this.running = undefined;
      });
    }, delayMs);
  }

  private async run(): Promise<void> {
    this.pokedWhileRunning = false;
    const logger = this.bus.logger;
    let nextRunMs = this.intervalMs;
    if (!this.bus.isConnected()) {
      if (!this.waitingForNats) logger.warn({}, 'outbox relay waiting for NATS');
      this.waitingForNats = true;
    } else {
      this.waitingForNats = false;
      try {
        if (this.failures > 0) await this.bus.ensureStream();
        const published = await this.outbox.publishPending(this.bus, this.batchSize);
        if (published > 0) logger.info({ published }, 'outbox relay published events');
        if (this.failures > 0) logger.info({ failures: this.failures }, 'outbox relay recovered');
        this.failures = 0;
        await this.pruneIfDue();
        if (published === this.batchSize || this.pokedWhileRunning) nextRunMs = 0;
      } catch (err) {
        this.failures += 1;
        nextRunMs = backoffDelay(this.failures, this.intervalMs, this.maxBackoffMs);
        logger.warn({ err, failures: this.failures, retryInMs: nextRunMs }, 'outbox relay failed');
      }
    }
    if (this.started) this.schedule(nextRunMs);
  }

  private async pruneIfDue(): Promise<void> {
    if (Date.now() - this.lastPruneAt < PRUNE_EVERY_MS) return;
    this.lastPruneAt = Date.now();
    const pruned = await this.outbox.prunePublished(this.retentionMs);
    if (pruned > 0) this.bus.logger.info({ pruned }, 'outbox relay pruned published events');
  }
}
