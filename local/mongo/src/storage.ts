import { UUID } from 'bson';
import { MongoCommandError, badValue, noSuchTransaction, writeConflict } from './errors';
import { CompiledFilter, compareBy, compileFilter, Matcher, sortBy } from './matcher';
import { OrderedIndex, OrderedPlan, SortKey } from './ordered-index';
import { valuesAtPath } from './paths';
import { Doc, MISSING, Value, formatValue, isPlainObject, isRegex, toNumber, valueKey } from './values';

/**
 * Above this many candidates from an equality index, a sorted query walks an ordered index instead
 * of sorting them all.
 */
const SORT_CANDIDATES_LIMIT = 1000;

/** A document a query found: its id key and the version the caller sees. */
export interface Found {
  idKey: string;
  doc: Doc;
}

export interface QueryOptions {
  sort?: SortKey[];
  skip?: number;
  /** 0 or absent: no limit. */
  limit?: number;
}

/** One committed state of a document; `doc: null` records a deletion. */
interface Version {
  seq: number;
  doc: Doc | null;
}

/**
 * Every version of one document that a running transaction may still need to see (MVCC),
 * newest last, and the transaction holding its write lock, if any.
 */
class DocRecord {
  versions: Version[] = [];
  lockedBy?: Transaction;

  latest(): Doc | null {
    return this.versions.length === 0 ? null : this.versions[this.versions.length - 1].doc;
  }

  latestSeq(): number {
    return this.versions.length === 0 ? 0 : this.versions[this.versions.length - 1].seq;
  }

  at(seq: number): Doc | null {
    for (let i = this.versions.length - 1; i >= 0; i--) if (this.versions[i].seq <= seq) return this.versions[i].doc;
    return null;
  }
}

export interface IndexSpec {
  v: number;
  key: Doc;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Doc;
  expireAfterSeconds?: number;
}

/**
 * A secondary index, for the latest committed state: a hash from index key to the ids holding it,
 * and (unless sparse or partial) the documents in index order.
 */
export class Index {
  readonly fields: string[];
  readonly entries = new Map<string, Set<string>>();
  readonly ordered?: OrderedIndex;
  /** Unique keys written by transactions that have not committed yet. */
  readonly reserved = new Map<string, Transaction>();
  private readonly partial?: Matcher;

  constructor(readonly spec: IndexSpec) {
    this.fields = Object.keys(spec.key);
    if (spec.partialFilterExpression) this.partial = compileFilter(spec.partialFilterExpression).matches;
    if (!spec.partialFilterExpression && !spec.sparse) {
      this.ordered = new OrderedIndex(
        this.fields,
        this.fields.map((field) => (toNumber(spec.key[field]) < 0 ? -1 : 1)),
      );
    }
  }

  get unique(): boolean {
    return this.spec.unique === true;
  }

  /** The index keys of a document (several for array fields); none if sparse or partial excludes it. */
  keysOf(doc: Doc | null): string[] {
    if (!doc) return [];
    if (this.partial && !this.partial(doc)) return [];
    const perField = this.fields.map((field) => indexValues(doc, field));
    if (this.spec.sparse && perField.every((values) => values.length === 1 && values[0] === MISSING)) return [];
    let keys = [''];
    perField.forEach((values, i) => {
      const parts = [...new Set(values.map(valueKey))];
      keys = keys.flatMap((prefix) => parts.map((part) => (i === 0 ? part : `${prefix}\u0001${part}`)));
    });
    return keys;
  }

  keyValueOf(doc: Doc): Doc {
    const keyValue: Doc = {};
    for (const field of this.fields) {
      const values = indexValues(doc, field);
      keyValue[field] = values[0] === MISSING ? null : values[0];
    }
    return keyValue;
  }

  add(idKey: string, doc: Doc | null): void {
    this.addKeys(idKey, this.keysOf(doc));
    this.ordered?.add(idKey, doc);
  }

  /** Moves a document whose committed version changed from `old` to `doc`. */
  update(idKey: string, old: Doc | null, doc: Doc | null): void {
    const oldKeys = this.keysOf(old);
    const newKeys = this.keysOf(doc);
    if (oldKeys.length !== newKeys.length || oldKeys.some((key, i) => key !== newKeys[i])) {
      this.removeKeys(idKey, oldKeys);
      this.addKeys(idKey, newKeys);
    }
    this.ordered?.update(idKey, old, doc);
  }

  private addKeys(idKey: string, keys: string[]): void {
    for (const key of keys) {
      let ids = this.entries.get(key);
      if (!ids) this.entries.set(key, (ids = new Set()));
      ids.add(idKey);
    }
  }

  private removeKeys(idKey: string, keys: string[]): void {
    for (const key of keys) {
      const ids = this.entries.get(key);
      if (!ids) continue;
      ids.delete(idKey);
      if (ids.size === 0) this.entries.delete(key);
    }
  }
}

function indexValues(doc: Doc, field: string): (Value | typeof MISSING)[] {
  const values: (Value | typeof MISSING)[] = [];
  for (const { value } of valuesAtPath(doc, field)) {
    if (Array.isArray(value)) values.push(...(value.length === 0 ? [undefined] : value));
    else values.push(value);
  }
  const present = values.filter((v) => v !== MISSING);
  return present.length > 0 ? present : [MISSING];
}

export class Collection {
  readonly records = new Map<string, DocRecord>();
  readonly indexes = new Map<string, Index>();
  /**
   * Ids changed while transactions run, with the sequence number of their last change, oldest
   * first, so index lookups at an older snapshot still find them.
   */
  readonly recentlyChanged = new Map<string, number>();
  /** The `_id` index as an order: the latest committed documents by `_id`. */
  readonly idOrder = new OrderedIndex(['_id'], [1]);
  readonly uuid = new UUID();

  constructor(
    readonly db: string,
    readonly name: string,
  ) {}

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  indexSpecs(): IndexSpec[] {
    return [{ v: 2, key: { _id: 1 }, name: '_id_' }, ...[...this.indexes.values()].map((index) => index.spec)];
  }

  count(): number {
    let n = 0;
    for (const record of this.records.values()) if (record.latest()) n++;
    return n;
  }
}

/**
 * A client's multi-document transaction, or (`autocommit`) the implicit one a plain write command
 * runs in, so that a plain write that meets a document locked by a client transaction can be
 * undone whole and run again once that transaction ends, as mongod makes it wait.
 */
export class Transaction {
  state: 'active' | 'committed' | 'aborted' = 'active';
  abortReason = '';
  readonly writes = new Map<Collection, Map<string, Doc | null>>();
  readonly locked: DocRecord[] = [];
  readonly reservations: { index: Index; key: string }[] = [];
  /** Settles when the transaction commits or aborts. */
  readonly ended: Promise<void>;
  private settle!: () => void;

  constructor(
    readonly txnNumber: number,
    readonly snapshotSeq: number,
    readonly expiresAt: number,
    readonly autocommit: boolean,
  ) {
    this.ended = new Promise((resolve) => (this.settle = resolve));
  }

  finish(state: 'committed' | 'aborted', reason = ''): void {
    this.state = state;
    this.abortReason = reason;
    this.settle();
  }

  written(collection: Collection): Map<string, Doc | null> {
    let writes = this.writes.get(collection);
    if (!writes) this.writes.set(collection, (writes = new Map()));
    return writes;
  }
}

/** A plain write met a document or unique key held by a running transaction: retry after `holder` ends. */
export class LockWaitError extends Error {
  constructor(readonly holder: Transaction) {
    super('waiting for a transaction to end');
  }
}

export type JournalOp =
  | { op: 'put'; db: string; coll: string; doc: Doc }
  | { op: 'del'; db: string; coll: string; id: Value }
  | { op: 'createCollection'; db: string; coll: string }
  | { op: 'dropCollection'; db: string; coll: string }
  | { op: 'dropDatabase'; db: string }
  | { op: 'createIndex'; db: string; coll: string; spec: IndexSpec }
  | { op: 'dropIndex'; db: string; coll: string; name: string };

export function idKeyOf(id: Value): string {
  return valueKey(id);
}

export function duplicateKeyError(
  collection: Collection,
  indexName: string,
  keyPattern: Doc,
  keyValue: Doc,
): MongoCommandError {
  const dup = Object.entries(keyValue)
    .map(([field, value]) => `${field}: ${formatValue(value)}`)
    .join(', ');
  return new MongoCommandError(
    11000,
    'DuplicateKey',
    `E11000 duplicate key error collection: ${collection.ns} index: ${indexName} dup key: { ${dup} }`,
    { keyPattern, keyValue },
  );
}

/**
 * All databases of the server, with multi-version concurrency control: each write gets a sequence
 * number; a transaction reads the versions at or below its snapshot, locks what it writes (a second
 * writer gets WriteConflict), and applies its writes under one sequence number at commit.
 */
export class Storage {
  readonly databases = new Map<string, Map<string, Collection>>();
  private seq = 0;
  private readonly active = new Set<Transaction>();
  private readonly garbage = new Map<Collection, Set<string>>();
  private journalOps: JournalOp[] = [];

  constructor(private readonly transactionLifetimeMs = 60_000) {}

  /** Journal operations since the last call, for the caller to persist before replying. */
  takeJournalOps(): JournalOp[] {
    const ops = this.journalOps;
    this.journalOps = [];
    return ops;
  }

  // ---- catalog ----

  collection(db: string, name: string): Collection | undefined {
    return this.databases.get(db)?.get(name);
  }

  createCollection(db: string, name: string): Collection {
    validateNamespace(db, name);
    let collections = this.databases.get(db);
    if (!collections) this.databases.set(db, (collections = new Map()));
    let collection = collections.get(name);
    if (!collection) {
      collection = new Collection(db, name);
      collections.set(name, collection);
      this.journalOps.push({ op: 'createCollection', db, coll: name });
    }
    return collection;
  }

  dropCollection(db: string, name: string): Collection | undefined {
    const collection = this.collection(db, name);
    if (!collection) return undefined;
    this.abortTransactionsTouching((txn) => txn.writes.has(collection), 'collection dropped');
    this.databases.get(db)!.delete(name);
    if (this.databases.get(db)!.size === 0) this.databases.delete(db);
    this.garbage.delete(collection);
    this.journalOps.push({ op: 'dropCollection', db, coll: name });
    return collection;
  }

  dropDatabase(db: string): void {
    const collections = this.databases.get(db);
    if (!collections) return;
    for (const collection of collections.values()) {
      this.abortTransactionsTouching((txn) => txn.writes.has(collection), 'database dropped');
      this.garbage.delete(collection);
    }
    this.databases.delete(db);
    this.journalOps.push({ op: 'dropDatabase', db });
  }

  createIndex(collection: Collection, spec: IndexSpec): boolean {
    const existing = [...collection.indexes.values()].find(
      (index) => index.spec.name === spec.name || valueKey(index.spec.key) === valueKey(spec.key),
    );
    if (spec.name === '_id_' || valueKey(spec.key) === valueKey({ _id: 1 })) return false;
    if (existing) {
      const sameKey = valueKey(existing.spec.key) === valueKey(spec.key);
      if (existing.spec.name === spec.name && !sameKey) {
        throw new MongoCommandError(
          86,
          'IndexKeySpecsConflict',
          `An existing index has the same name as the requested index but different keys. Requested index: ${formatValue(spec)}, existing index: ${formatValue(existing.spec)}`,
        );
      }
      if (existing.spec.name !== spec.name) {
        throw new MongoCommandError(
          85,
          'IndexOptionsConflict',
          `Index already exists with a different name: ${existing.spec.name}`,
        );
      }
      if (valueKey(indexOptions(existing.spec)) !== valueKey(indexOptions(spec))) {
        throw new MongoCommandError(
          86,
          'IndexKeySpecsConflict',
          `An existing index has the same name as the requested index but different options: ${spec.name}`,
        );
      }
      return false;
    }
    const index = new Index(spec);
    for (const [idKey, record] of collection.records) {
      const doc = record.latest();
      if (!doc) continue;
      if (index.unique) {
        for (const key of index.keysOf(doc)) {
          const holders = index.entries.get(key);
          if (holders && [...holders].some((holder) => holder !== idKey)) {
            throw duplicateKeyError(collection, spec.name, spec.key, index.keyValueOf(doc));
          }
        }
      }
      index.add(idKey, doc);
    }
    collection.indexes.set(spec.name, index);
    this.journalOps.push({ op: 'createIndex', db: collection.db, coll: collection.name, spec });
    return true;
  }

  dropIndex(collection: Collection, name: string): void {
    collection.indexes.delete(name);
    this.journalOps.push({ op: 'dropIndex', db: collection.db, coll: collection.name, name });
  }

  documentCount(): number {
    let n = 0;
    for (const collections of this.databases.values())
      for (const collection of collections.values()) n += collection.count();
    return n;
  }

  // ---- transactions ----

  beginTransaction(txnNumber: number, autocommit = false): Transaction {
    const txn = new Transaction(txnNumber, this.seq, Date.now() + this.transactionLifetimeMs, autocommit);
    this.active.add(txn);
    return txn;
  }

  /** Whether a transaction still holds its locks (one past its lifetime is aborted here). */
  private isLive(txn: Transaction): boolean {
    if (txn.state === 'active' && Date.now() > txn.expiresAt) this.abort(txn, 'transaction exceeded its lifetime');
    return txn.state === 'active';
  }

  /** Throws NoSuchTransaction (retryable) for a transaction that was aborted or has timed out. */
  checkActive(txn: Transaction): void {
    if (txn.state === 'active' && Date.now() > txn.expiresAt) this.abort(txn, 'transaction exceeded its lifetime');
    if (txn.state !== 'active') throw noSuchTransaction(txn.txnNumber, txn.abortReason);
  }

  commit(txn: Transaction): void {
    this.checkActive(txn);
    const seq = ++this.seq;
    for (const [collection, writes] of txn.writes) {
      for (const [idKey, doc] of writes) this.applyCommitted(collection, idKey, doc, seq);
    }
    txn.finish('committed');
    this.release(txn);
  }

  abort(txn: Transaction, reason: string): void {
    if (txn.state !== 'active') return;
    txn.finish('aborted', reason);
    this.release(txn);
  }

  expireTransactions(now = Date.now()): void {
    for (const txn of this.active) if (now > txn.expiresAt) this.abort(txn, 'transaction exceeded its lifetime');
  }

  private abortTransactionsTouching(predicate: (txn: Transaction) => boolean, reason: string): void {
    for (const txn of [...this.active]) if (predicate(txn)) this.abort(txn, reason);
  }

  private release(txn: Transaction): void {
    for (const record of txn.locked) if (record.lockedBy === txn) record.lockedBy = undefined;
    for (const { index, key } of txn.reservations) if (index.reserved.get(key) === txn) index.reserved.delete(key);
    this.active.delete(txn);
    for (const [collection, writes] of txn.writes) {
      for (const idKey of writes.keys()) this.markGarbage(collection, idKey);
    }
    this.collectGarbage();
  }

  // ---- reads ----

  visible(record: DocRecord, txn: Transaction | undefined, collection: Collection, idKey: string): Doc | null {
    if (!txn) return record.latest();
    const own = txn.writes.get(collection);
    if (own?.has(idKey)) return own.get(idKey)!;
    return record.at(txn.snapshotSeq);
  }

  findById(collection: Collection, id: Value, txn?: Transaction): Doc | null {
    const idKey = idKeyOf(id);
    const record = collection.records.get(idKey);
    return record ? this.visible(record, txn, collection, idKey) : null;
  }

  /** Matching documents visible to the caller, using `_id` or an index for equality conditions. */
  find(collection: Collection | undefined, filter: CompiledFilter, txn?: Transaction): Found[] {
    return this.query(collection, filter, {}, txn);
  }

  /**
   * Matching documents visible to the caller, sorted, after `skip`, at most `limit`. A sort that an
   * index's order gives (after its equality-bound leading fields) walks that index from the first
   * entry the filter's bounds allow and stops at the limit; otherwise the candidates (all documents,
   * or those an equality index gives) are matched and sorted. Without a sort, in natural order.
   */
  query(collection: Collection | undefined, filter: CompiledFilter, options: QueryOptions, txn?: Transaction): Found[] {
    if (!collection) return [];
    const skip = options.skip ?? 0;
    const wanted = options.limit ? skip + options.limit : Infinity;
    const sort = options.sort;
    const narrowed = this.equalityCandidates(collection, filter, txn);
    if (sort) {
      const plan =
        narrowed && narrowed.size <= SORT_CANDIDATES_LIMIT ? undefined : this.orderedPlan(collection, filter, sort);
      if (plan) return this.walk(collection, plan, filter, sort, wanted, txn).slice(skip);
    }
    const out: Found[] = [];
    for (const idKey of narrowed ?? collection.records.keys()) {
      if (!sort && out.length >= wanted) break;
      const record = collection.records.get(idKey);
      if (!record) continue;
      const doc = this.visible(record, txn, collection, idKey);
      if (doc && filter.matches(doc)) out.push({ idKey, doc });
    }
    const sorted = sort ? sortBy(out, (found) => found.doc, sort) : out;
    return sorted.slice(skip, wanted === Infinity ? undefined : wanted);
  }

  /** The ordered index serving `sort` with the most equality-bound leading fields, if any. */
  private orderedPlan(collection: Collection, filter: CompiledFilter, sort: SortKey[]): OrderedPlan | undefined {
    let best = collection.idOrder.plan(sort, filter.equalities, filter.ranges);
    for (const index of collection.indexes.values()) {
      const plan = index.ordered?.plan(sort, filter.equalities, filter.ranges);
      if (plan && (!best || plan.prefix.length > best.prefix.length)) best = plan;
    }
    return best;
  }

  /**
   * Walks an ordered index (the latest committed state) merging in, by the sort, the documents a
   * transaction sees otherwise (its own writes, and those changed since its snapshot).
   */
  private walk(
    collection: Collection,
    plan: OrderedPlan,
    filter: CompiledFilter,
    sort: SortKey[],
    wanted: number,
    txn?: Transaction,
  ): Found[] {
    const changed = txn ? this.changedSince(collection, txn) : undefined;
    const others: Found[] = [];
    for (const idKey of changed ?? []) {
      const record = collection.records.get(idKey);
      const doc = record ? this.visible(record, txn, collection, idKey) : null;
      if (doc && filter.matches(doc)) others.push({ idKey, doc });
    }
    const pending = sortBy(others, (found) => found.doc, sort);
    const compare = pending.length > 0 ? compareBy(sort) : undefined;
    const out: Found[] = [];
    let next = 0;
    for (const entry of plan.index.walk(plan)) {
      if (out.length >= wanted) break;
      if (changed?.has(entry.idKey)) continue;
      const record = collection.records.get(entry.idKey);
      const doc = record ? this.visible(record, txn, collection, entry.idKey) : null;
      if (!doc || !filter.matches(doc)) continue;
      while (compare && next < pending.length && out.length < wanted && compare(pending[next].doc, doc) < 0)
        out.push(pending[next++]);
      if (out.length < wanted) out.push({ idKey: entry.idKey, doc });
    }
    while (next < pending.length && out.length < wanted) out.push(pending[next++]);
    return out;
  }

  /** Ids a transaction may see otherwise than in the latest committed state. */
  private changedSince(collection: Collection, txn: Transaction): Set<string> | undefined {
    const changed = new Set<string>();
    for (const [idKey, seq] of collection.recentlyChanged) if (seq > txn.snapshotSeq) changed.add(idKey);
    for (const idKey of txn.writes.get(collection)?.keys() ?? []) changed.add(idKey);
    return changed.size > 0 ? changed : undefined;
  }

  /** The ids an equality on `_id` or on every field of an index allows, or undefined. */
  private equalityCandidates(
    collection: Collection,
    filter: CompiledFilter,
    txn?: Transaction,
  ): Set<string> | undefined {
    const lookup = (field: string): string[] | undefined => {
      const values = filter.equalities.get(field);
      if (!values || !values.every(isIndexableEquality)) return undefined;
      return values.map(valueKey);
    };
    const ids = lookup('_id');
    if (ids) return new Set(ids);
    for (const index of collection.indexes.values()) {
      // A sparse index holds every document with a non-null value on its fields, as these equalities require.
      const partial = index.spec.partialFilterExpression;
      if (partial && !impliesPartialFilter(filter.equalities, partial)) continue;
      const perField = index.fields.map(lookup);
      if (perField.some((keys) => keys === undefined)) continue;
      let keys = [''];
      perField.forEach((fieldKeys, i) => {
        keys = keys.flatMap((prefix) => fieldKeys!.map((part) => (i === 0 ? part : `${prefix}\u0001${part}`)));
      });
      const found = new Set<string>();
      for (const key of keys) for (const idKey of index.entries.get(key) ?? []) found.add(idKey);
      for (const idKey of txn ? (this.changedSince(collection, txn) ?? []) : []) found.add(idKey);
      return found;
    }
    return undefined;
  }

  // ---- writes ----

  insert(collection: Collection, doc: Doc, txn?: Transaction): void {
    const idKey = idKeyOf(doc._id);
    const record = collection.records.get(idKey);
    if (record && (this.visible(record, txn, collection, idKey) || (txn && record.latest()))) {
      if (txn && !this.visible(record, txn, collection, idKey)) this.conflict(txn);
      throw duplicateKeyError(collection, '_id_', { _id: 1 }, { _id: doc._id });
    }
    this.write(collection, idKey, doc, txn);
  }

  replace(collection: Collection, idKey: string, doc: Doc, txn?: Transaction): void {
    this.write(collection, idKey, doc, txn);
  }

  delete(collection: Collection, idKey: string, txn?: Transaction): void {
    this.write(collection, idKey, null, txn);
  }

  /** Another transaction holds what `txn` wants to write: a plain write waits, a client transaction fails. */
  private conflict(txn: Transaction, holder?: Transaction): never {
    if (txn.autocommit && holder) throw new LockWaitError(holder);
    this.abort(txn, 'write conflict');
    throw writeConflict();
  }

  private write(collection: Collection, idKey: string, doc: Doc | null, txn?: Transaction): void {
    let record = collection.records.get(idKey);
    if (txn) {
      this.checkActive(txn);
      const holder = record?.lockedBy;
      if (holder && holder !== txn && this.isLive(holder)) this.conflict(txn, holder);
      if (record && record.latestSeq() > txn.snapshotSeq) this.conflict(txn);
      const old = record ? this.visible(record, txn, collection, idKey) : null;
      this.checkUnique(collection, idKey, old, doc, txn);
      if (!record) collection.records.set(idKey, (record = new DocRecord()));
      if (record.lockedBy !== txn) {
        record.lockedBy = txn;
        txn.locked.push(record);
      }
      txn.written(collection).set(idKey, doc);
      for (const index of collection.indexes.values()) {
        if (!index.unique) continue;
        for (const key of index.keysOf(doc)) {
          index.reserved.set(key, txn);
          txn.reservations.push({ index, key });
        }
      }
      return;
    }
    // Only start-up replay and TTL expiry (which skips locked documents) write outside a transaction.
    this.checkUnique(collection, idKey, record?.latest() ?? null, doc);
    this.applyCommitted(collection, idKey, doc, ++this.seq);
  }

  private checkUnique(
    collection: Collection,
    idKey: string,
    old: Doc | null,
    doc: Doc | null,
    txn?: Transaction,
  ): void {
    if (!doc) return;
    for (const index of collection.indexes.values()) {
      if (!index.unique) continue;
      const oldKeys = new Set(index.keysOf(old));
      for (const key of index.keysOf(doc)) {
        if (oldKeys.has(key)) continue;
        for (const holder of index.entries.get(key) ?? []) {
          if (holder === idKey) continue;
          if (txn) {
            const own = txn.writes.get(collection);
            if (own?.has(holder) && !index.keysOf(own.get(holder)!).includes(key)) continue;
          }
          throw duplicateKeyError(collection, index.spec.name, index.spec.key, index.keyValueOf(doc));
        }
        const reservedBy = index.reserved.get(key);
        if (!txn || !reservedBy || !this.isLive(reservedBy)) continue;
        if (reservedBy !== txn) this.conflict(txn, reservedBy);
        for (const [otherId, otherDoc] of txn.writes.get(collection) ?? []) {
          if (otherId !== idKey && index.keysOf(otherDoc).includes(key)) {
            throw duplicateKeyError(collection, index.spec.name, index.spec.key, index.keyValueOf(doc));
          }
        }
      }
    }
  }

  private applyCommitted(collection: Collection, idKey: string, doc: Doc | null, seq: number): void {
    let record = collection.records.get(idKey);
    if (!record) collection.records.set(idKey, (record = new DocRecord()));
    const old = record.latest();
    if (!old && !doc) return;
    for (const index of collection.indexes.values()) index.update(idKey, old, doc);
    collection.idOrder.update(idKey, old, doc);
    record.versions.push({ seq, doc });
    if (this.active.size > 0) {
      collection.recentlyChanged.delete(idKey);
      collection.recentlyChanged.set(idKey, seq);
    }
    this.journalOps.push(
      doc
        ? { op: 'put', db: collection.db, coll: collection.name, doc }
        : { op: 'del', db: collection.db, coll: collection.name, id: old!._id },
    );
    this.markGarbage(collection, idKey);
    this.collectGarbage(collection, idKey);
  }

  private markGarbage(collection: Collection, idKey: string): void {
    let ids = this.garbage.get(collection);
    if (!ids) this.garbage.set(collection, (ids = new Set()));
    ids.add(idKey);
  }

  /** Drops versions no running transaction can see any more, and deleted or never-committed records. */
  private collectGarbage(only?: Collection, onlyId?: string): void {
    let oldestSnapshot = Infinity;
    for (const txn of this.active) oldestSnapshot = Math.min(oldestSnapshot, txn.snapshotSeq);
    const prune = (collection: Collection, idKey: string): boolean => {
      const record = collection.records.get(idKey);
      if (!record) return true;
      let keepFrom = 0;
      for (let i = record.versions.length - 1; i >= 0; i--) {
        if (record.versions[i].seq <= oldestSnapshot) {
          keepFrom = i;
          break;
        }
      }
      if (keepFrom > 0) record.versions.splice(0, keepFrom);
      const onlyTombstone = record.versions.length <= 1 && record.latest() === null;
      if (onlyTombstone && !record.lockedBy && record.latestSeq() <= oldestSnapshot) {
        collection.records.delete(idKey);
        return true;
      }
      return record.versions.length <= 1 && !record.lockedBy;
    };
    if (only && onlyId !== undefined) {
      if (prune(only, onlyId)) this.garbage.get(only)?.delete(onlyId);
      return;
    }
    for (const [collection, ids] of this.garbage) {
      for (const idKey of ids) if (prune(collection, idKey)) ids.delete(idKey);
      if (ids.size === 0) this.garbage.delete(collection);
    }
    // Changes at or before the oldest running snapshot are in every running transaction's view.
    for (const collections of this.databases.values()) {
      for (const collection of collections.values()) {
        for (const [idKey, seq] of collection.recentlyChanged) {
          if (seq > oldestSnapshot) break;
          collection.recentlyChanged.delete(idKey);
        }
      }
    }
  }

  // ---- journal replay ----

  /** Applies a journaled operation directly (start-up replay): no checks, no new journal entries. */
  replay(op: JournalOp): void {
    switch (op.op) {
      case 'createCollection':
        this.createCollection(op.db, op.coll);
        break;
      case 'dropCollection':
        this.dropCollection(op.db, op.coll);
        break;
      case 'dropDatabase':
        this.dropDatabase(op.db);
        break;
      case 'createIndex': {
        const collection = this.createCollection(op.db, op.coll);
        collection.indexes.delete(op.spec.name);
        this.createIndex(collection, op.spec);
        break;
      }
      case 'dropIndex':
        this.collection(op.db, op.coll)?.indexes.delete(op.name);
        break;
      case 'put':
        this.applyCommitted(this.createCollection(op.db, op.coll), idKeyOf(op.doc._id), op.doc, ++this.seq);
        break;
      case 'del': {
        const collection = this.collection(op.db, op.coll);
        if (collection) this.applyCommitted(collection, idKeyOf(op.id), null, ++this.seq);
        break;
      }
    }
    this.journalOps = [];
  }

  /** The whole state as journal operations, for compaction. */
  *snapshot(): Generator<JournalOp> {
    for (const [db, collections] of this.databases) {
      for (const [name, collection] of collections) {
        yield { op: 'createCollection', db, coll: name };
        for (const index of collection.indexes.values()) yield { op: 'createIndex', db, coll: name, spec: index.spec };
        for (const record of collection.records.values()) {
          const doc = record.latest();
          if (doc) yield { op: 'put', db, coll: name, doc };
        }
      }
    }
  }

  /** Deletes documents whose TTL index date field is older than the index's expireAfterSeconds. */
  expireTtlDocuments(now = Date.now()): void {
    for (const collections of this.databases.values()) {
      for (const collection of collections.values()) {
        for (const index of collection.indexes.values()) {
          const ttl = index.spec.expireAfterSeconds;
          if (ttl === undefined || index.fields.length !== 1) continue;
          const cutoff = now - toNumber(ttl) * 1000;
          for (const [idKey, record] of collection.records) {
            const doc = record.latest();
            if (!doc || record.lockedBy) continue;
            const dates = valuesAtPath(doc, index.fields[0])
              .flatMap(({ value }) => (Array.isArray(value) ? value : [value]))
              .filter((value): value is Date => value instanceof Date);
            if (dates.length > 0 && Math.min(...dates.map((d) => d.getTime())) <= cutoff)
              this.delete(collection, idKey);
          }
        }
      }
    }
  }
}

function indexOptions(spec: IndexSpec): Doc {
  return {
    unique: spec.unique === true,
    sparse: spec.sparse === true,
    partialFilterExpression: spec.partialFilterExpression ?? null,
    expireAfterSeconds: spec.expireAfterSeconds ?? null,
  };
}

/**
 * Whether every document matching the query's equalities satisfies a partial index's filter, so
 * that the index holds them all: each condition of the filter is an equality or `$in` on a path
 * the query binds to values among those.
 */
function impliesPartialFilter(equalities: Map<string, Value[]>, partial: Doc): boolean {
  return Object.entries(partial).every(([path, condition]) => {
    if (path.startsWith('$')) return false;
    let allowed: Value[] = [condition];
    if (isPlainObject(condition) && Object.keys(condition).some((key) => key.startsWith('$'))) {
      const operators = Object.keys(condition);
      if (operators.length !== 1) return false;
      if (operators[0] === '$eq') allowed = [condition.$eq];
      else if (operators[0] === '$in' && Array.isArray(condition.$in)) allowed = condition.$in;
      else return false;
    }
    const allowedKeys = new Set(allowed.filter(isIndexableEquality).map(valueKey));
    const wanted = equalities.get(path);
    return (
      wanted !== undefined && wanted.every((value) => isIndexableEquality(value) && allowedKeys.has(valueKey(value)))
    );
  });
}

function isIndexableEquality(value: Value): boolean {
  if (value === null || value === undefined || Array.isArray(value) || isRegex(value)) return false;
  if (isPlainObject(value)) return !Object.keys(value).some((key) => key.startsWith('$'));
  return true;
}

function validateNamespace(db: string, name: string): void {
  if (!db || /[/\\. "$]/.test(db))
    throw new MongoCommandError(73, 'InvalidNamespace', `Invalid database name: '${db}'`);
  if (!name || name.includes('$') || name.startsWith('.') || name.includes('\0')) {
    throw new MongoCommandError(73, 'InvalidNamespace', `Invalid collection name: ${name}`);
  }
  if (db.length + name.length > 250) throw badValue(`Fully qualified namespace is too long: ${db}.${name}`);
}
