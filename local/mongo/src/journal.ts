import { serialize } from 'bson';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { JournalOp, Storage } from './storage';
import { decodeDocument } from './values';

const FILE = 'journal.bson';
const HEADER = 8;
const COMPACT_BATCH = 1000;

/**
 * Append-only journal: each record is `[length u32][crc32 u32][BSON { ops: [...] }]`, appended and
 * fsynced before the command that produced it is answered. On start the journal is replayed; a torn
 * or corrupt tail (a crash mid-append) is cut off, and the journal is rewritten from the live data
 * when it has grown well beyond it.
 *
 * Group commit: records are written in commit order as they come, and one fdatasync, run off the
 * event loop, makes durable every record written before it started. Records appended while a sync
 * runs wait for the next one, so concurrent commits share syncs instead of queueing one each.
 */
export class Journal {
  private fd: number;
  private records = 0;
  /** Callers whose records are written but not yet covered by a finished sync. */
  private waiting: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private syncing?: Promise<void>;
  private syncScheduled = false;
  /** Finished fdatasyncs of appended records, for tests and benchmarks. */
  syncs = 0;

  private constructor(
    private readonly dir: string,
    private readonly log: (message: string) => void,
  ) {
    this.fd = fs.openSync(path.join(dir, FILE), 'a');
  }

  static open(dir: string, storage: Storage, log: (message: string) => void): Journal {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, FILE);
    const { records, liveDocuments } = fs.existsSync(file)
      ? replayFile(file, storage, log)
      : { records: 0, liveDocuments: 0 };
    const journal = new Journal(dir, log);
    journal.records = records;
    journal.compactIfWorthwhile(storage, liveDocuments);
    return journal;
  }

  /** Compacts when the journal holds far more records than the live data needs. */
  compactIfWorthwhile(storage: Storage, liveDocuments: number): void {
    if (this.records > 2 * Math.ceil(liveDocuments / COMPACT_BATCH) + 1000) this.compact(storage);
  }

  /** Writes a record; the promise settles once it is durable (or the sync failed). */
  append(ops: JournalOp[]): Promise<void> | undefined {
    if (ops.length === 0) return undefined;
    fs.writeSync(this.fd, encodeRecord(ops));
    this.records++;
    const durable = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.scheduleSync();
    return durable;
  }

  /** Settles when every record appended so far is durable. */
  async flush(): Promise<void> {
    while (this.syncing || this.syncScheduled) {
      await this.syncing;
      if (this.syncScheduled) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Starts a sync after the current turn of the event loop, so that its appends share it. */
  private scheduleSync(): void {
    if (this.syncScheduled || this.syncing) return;
    this.syncScheduled = true;
    setImmediate(() => {
      this.syncScheduled = false;
      this.syncing = this.sync();
    });
  }

  private async sync(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    try {
      await new Promise<void>((resolve, reject) =>
        fs.fdatasync(this.fd, (error) => (error ? reject(error) : resolve())),
      );
      this.syncs++;
      for (const waiter of batch) waiter.resolve();
    } catch (error) {
      for (const waiter of batch) waiter.reject(error as Error);
    }
    this.syncing = undefined;
    if (this.waiting.length > 0) this.scheduleSync();
  }

  /** Rewrites the journal as the current state, atomically (write aside, fsync, rename). */
  compact(storage: Storage): void {
    const file = path.join(this.dir, FILE);
    const temporary = `${file}.compacting`;
    const fd = fs.openSync(temporary, 'w');
    let batch: JournalOp[] = [];
    let records = 0;
    const flush = () => {
      if (batch.length === 0) return;
      fs.writeSync(fd, encodeRecord(batch));
      records++;
      batch = [];
    };
    for (const op of storage.snapshot()) {
      batch.push(op);
      if (batch.length >= COMPACT_BATCH) flush();
    }
    flush();
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.closeSync(this.fd);
    fs.renameSync(temporary, file);
    const dirFd = fs.openSync(this.dir, 'r');
    fs.fsyncSync(dirFd);
    fs.closeSync(dirFd);
    this.fd = fs.openSync(file, 'a');
    this.log(`journal compacted from ${this.records} to ${records} records`);
    this.records = records;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

function encodeRecord(ops: JournalOp[]): Buffer {
  const body = serialize({ ops }, { ignoreUndefined: true });
  const header = Buffer.alloc(HEADER);
  header.writeUInt32LE(body.length, 0);
  header.writeUInt32LE(zlib.crc32(body), 4);
  return Buffer.concat([header, body]);
}

function replayFile(
  file: string,
  storage: Storage,
  log: (message: string) => void,
): { records: number; liveDocuments: number } {
  const data = fs.readFileSync(file);
  let offset = 0;
  let records = 0;
  while (offset < data.length) {
    const body = readRecord(data, offset);
    if (!body) break;
    const { ops } = decodeDocument(body) as unknown as { ops: JournalOp[] };
    for (const op of ops) storage.replay(op);
    offset += HEADER + body.length;
    records++;
  }
  if (offset < data.length) {
    log(
      `journal: ignoring a torn or corrupt record at byte ${offset} (${data.length - offset} bytes), from an interrupted write`,
    );
    fs.truncateSync(file, offset);
  }
  return { records, liveDocuments: storage.documentCount() };
}

function readRecord(data: Buffer, offset: number): Buffer | undefined {
  if (offset + HEADER > data.length) return undefined;
  const length = data.readUInt32LE(offset);
  const crc = data.readUInt32LE(offset + 4);
  if (length < 5 || offset + HEADER + length > data.length) return undefined;
  const body = data.subarray(offset + HEADER, offset + HEADER + length);
  if (zlib.crc32(body) !== crc) return undefined;
  return body;
}
