import { Binary, calculateObjectSize, Long, ObjectId, Timestamp } from 'bson';
import { runPipeline } from './aggregate';
import { MongoCommandError, badValue, failedToParse, noSuchTransaction, notSupported } from './errors';
import { compileFilter, parseSort } from './matcher';
import { valuesAtPath } from './paths';
import { compileProjection } from './projection';
import { Collection, IndexSpec, JournalOp, LockWaitError, Storage, Transaction } from './storage';
import { Update, applyUpdate, isReplacement, validateUpdate } from './update';
import { Doc, MISSING, Value, isNumeric, isPlainObject, toNumber, valueKey, valuesEqual } from './values';

export const SERVER_VERSION = '7.0.0';
const MAX_BSON_SIZE = 16 * 1024 * 1024;
const DEFAULT_BATCH = 101;
const CURSOR_IDLE_MS = 10 * 60 * 1000;

export interface ConnectionInfo {
  id: number;
  /** The server address as this client reached it, echoed in hello's hosts/me. */
  address: string;
  clientAddress: string;
}

interface Cursor {
  ns: string;
  remaining: Doc[];
  lastUsed: number;
}

interface SessionState {
  txn?: Transaction;
  retriedWrite?: { txnNumber: number; reply: Doc };
}

interface Context {
  db: string;
  txn?: Transaction;
  connection: ConnectionInfo;
}

type Handler = (command: Doc, context: Context) => Doc;

/**
 * A reply, to send once `durable` (the journaling of the command's changes, when it made any)
 * settles; or the transaction whose end the command waits for before it runs again.
 */
export type Execution = { reply: Doc; durable?: Promise<void> } | { waitFor: Transaction };

const WRITE_COMMANDS = new Set(['insert', 'update', 'delete', 'findAndModify']);

/** Executes commands against the storage, owning cursors, sessions and transactions. */
export class CommandExecutor {
  private readonly cursors = new Map<string, Cursor>();
  private readonly sessions = new Map<string, SessionState>();
  private nextCursorId = 1;
  private readonly handlers: Record<string, Handler>;
  private readonly electionId = new ObjectId('7fffffff0000000000000001');
  private readonly startedAt = Date.now();

  constructor(
    private readonly storage: Storage,
    private readonly replSetName: string,
    private readonly persist: (ops: JournalOp[]) => Promise<void> | undefined,
  ) {
    this.handlers = {
      hello: (c, ctx) => this.hello(c, ctx, 'hello'),
      isMaster: (c, ctx) => this.hello(c, ctx, 'isMaster'),
      ismaster: (c, ctx) => this.hello(c, ctx, 'isMaster'),
      ping: () => ({ ok: 1 }),
      buildInfo: () => this.buildInfo(),
      buildinfo: () => this.buildInfo(),
      getLog: () => ({ totalLinesWritten: 0, log: [], ok: 1 }),
      getCmdLineOpts: () => ({ argv: ['embedded-mongo'], parsed: {}, ok: 1 }),
      getParameter: () => ({ featureCompatibilityVersion: { version: '7.0' }, ok: 1 }),
      connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }),
      whatsmyuri: (_c, ctx) => ({ you: ctx.connection.clientAddress, ok: 1 }),
      refreshSessions: () => ({ ok: 1 }),
      endSessions: (c) => this.endSessions(c),
      listDatabases: (c) => this.listDatabases(c),
      listCollections: (c, ctx) => this.listCollections(c, ctx),
      create: (c, ctx) => this.create(c, ctx),
      drop: (c, ctx) => this.drop(c, ctx),
      dropDatabase: (_c, ctx) => {
        this.storage.dropDatabase(ctx.db);
        return { dropped: ctx.db, ok: 1 };
      },
      insert: (c, ctx) => this.insert(c, ctx),
      find: (c, ctx) => this.find(c, ctx),
      getMore: (c, ctx) => this.getMore(c, ctx),
      killCursors: (c) => this.killCursors(c),
      update: (c, ctx) => this.update(c, ctx),
      delete: (c, ctx) => this.delete(c, ctx),
      findAndModify: (c, ctx) => this.findAndModify(c, ctx),
      findandmodify: (c, ctx) => this.findAndModify(c, ctx),
      count: (c, ctx) => this.count(c, ctx),
      distinct: (c, ctx) => this.distinct(c, ctx),
      aggregate: (c, ctx) => this.aggregate(c, ctx),
      createIndexes: (c, ctx) => this.createIndexes(c, ctx),
      listIndexes: (c, ctx) => this.listIndexes(c, ctx),
      dropIndexes: (c, ctx) => this.dropIndexes(c, ctx),
      deleteIndexes: (c, ctx) => this.dropIndexes(c, ctx),
    };
  }

  /** Runs one command; never throws. A plain write blocked by a transaction changes nothing and waits. */
  execute(command: Doc, connection: ConnectionInfo): Execution {
    const name = Object.keys(command)[0];
    const context: Context = { db: typeof command.$db === 'string' ? command.$db : 'admin', connection };
    let reply: Doc;
    try {
      const handler = name === undefined ? undefined : this.handlers[name];
      if (name === 'commitTransaction' || name === 'abortTransaction') reply = this.endTransaction(name, command);
      else if (!handler) throw new MongoCommandError(59, 'CommandNotFound', `no such command: '${name}'`);
      else reply = this.run(name, handler, command, context);
    } catch (error) {
      if (error instanceof LockWaitError) return { waitFor: error.holder };
      reply =
        error instanceof MongoCommandError
          ? error.toReply()
          : { ok: 0, errmsg: String((error as Error)?.message ?? error), code: 1, codeName: 'InternalError' };
    }
    return { reply, durable: this.persist(this.storage.takeJournalOps()) };
  }

  private run(name: string, handler: Handler, command: Doc, context: Context): Doc {
    const sessionKey = lsidKey(command.lsid);
    const txnNumber = command.txnNumber === undefined ? undefined : toNumber(command.txnNumber);
    if (command.autocommit === false && sessionKey && txnNumber !== undefined) {
      const txn = this.transactionFor(sessionKey, txnNumber, command.startTransaction === true);
      context.txn = txn;
      try {
        const reply = handler(command, context);
        if (Array.isArray(reply.writeErrors)) this.storage.abort(txn, 'a write failed inside the transaction');
        return reply;
      } catch (error) {
        this.storage.abort(txn, (error as Error).message);
        throw error;
      }
    }
    if (!WRITE_COMMANDS.has(name)) return handler(command, context);
    const session = sessionKey && txnNumber !== undefined ? this.session(sessionKey) : undefined;
    if (session?.retriedWrite && session.retriedWrite.txnNumber === txnNumber) return session.retriedWrite.reply;
    // A plain write runs in a transaction of its own, committed when the command is done: if it
    // meets what a client transaction holds, it is undone whole and runs again after that one ends.
    const txn = this.storage.beginTransaction(0, true);
    let reply: Doc;
    try {
      reply = handler(command, { ...context, txn });
    } catch (error) {
      this.storage.abort(txn, 'the command failed');
      throw error;
    }
    this.storage.commit(txn);
    if (session) session.retriedWrite = { txnNumber: txnNumber!, reply };
    return reply;
  }

  private session(key: string): SessionState {
    let session = this.sessions.get(key);
    if (!session) this.sessions.set(key, (session = {}));
    return session;
  }

  private transactionFor(sessionKey: string, txnNumber: number, start: boolean): Transaction {
    const session = this.session(sessionKey);
    if (start) {
      if (session.txn && session.txn.txnNumber >= txnNumber) {
        throw new MongoCommandError(
          225,
          'TransactionTooOld',
          `txnNumber ${txnNumber} is less than or equal to the last one used in this session`,
        );
      }
      if (session.txn) this.storage.abort(session.txn, 'a newer transaction started');
      session.txn = this.storage.beginTransaction(txnNumber);
      return session.txn;
    }
    if (!session.txn || session.txn.txnNumber !== txnNumber) throw noSuchTransaction(txnNumber);
    this.storage.checkActive(session.txn);
    return session.txn;
  }

  private endTransaction(name: string, command: Doc): Doc {
    const sessionKey = lsidKey(command.lsid);
    const txnNumber = command.txnNumber === undefined ? undefined : toNumber(command.txnNumber);
    const txn = sessionKey ? this.sessions.get(sessionKey)?.txn : undefined;
    if (!txn || txnNumber === undefined || txn.txnNumber !== txnNumber) throw noSuchTransaction(txnNumber ?? 0);
    if (name === 'commitTransaction') {
      if (txn.state !== 'committed') this.storage.commit(txn);
      return { ok: 1 };
    }
    if (txn.state === 'committed')
      throw new MongoCommandError(256, 'TransactionCommitted', 'Transaction has been committed.');
    if (txn.state === 'aborted') throw noSuchTransaction(txn.txnNumber, txn.abortReason);
    this.storage.abort(txn, 'aborted by the client');
    return { ok: 1 };
  }

  private endSessions(command: Doc): Doc {
    for (const lsid of (command.endSessions as Doc[]) ?? []) {
      const key = lsidKey(lsid);
      if (!key) continue;
      const txn = this.sessions.get(key)?.txn;
      if (txn) this.storage.abort(txn, 'session ended');
      this.sessions.delete(key);
    }
    return { ok: 1 };
  }

  /** Drops idle cursors and finished sessions; called periodically. */
  maintain(now = Date.now()): void {
    for (const [id, cursor] of this.cursors) if (now - cursor.lastUsed > CURSOR_IDLE_MS) this.cursors.delete(id);
    this.storage.expireTransactions(now);
  }

  // ---- handshake and server info ----

  private hello(command: Doc, context: Context, name: string): Doc {
    const address = context.connection.address;
    return {
      ...(command.helloOk === true ? { helloOk: true } : {}),
      [name === 'hello' ? 'isWritablePrimary' : 'ismaster']: true,
      setName: this.replSetName,
      setVersion: 1,
      hosts: [address],
      primary: address,
      me: address,
      secondary: false,
      electionId: this.electionId,
      lastWrite: {
        opTime: { ts: Timestamp.fromBits(0, Math.floor(Date.now() / 1000)), t: Long.fromNumber(1) },
        lastWriteDate: new Date(),
      },
      maxBsonObjectSize: MAX_BSON_SIZE,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: context.connection.id,
      minWireVersion: 0,
      maxWireVersion: 21,
      readOnly: false,
      ok: 1,
    };
  }

  private buildInfo(): Doc {
    return {
      version: SERVER_VERSION,
      gitVersion: 'embedded',
      versionArray: SERVER_VERSION.split('.').map(Number).concat(0),
      bits: 64,
      maxBsonObjectSize: MAX_BSON_SIZE,
      storageEngines: ['embedded'],
      uptimeMillis: Date.now() - this.startedAt,
      ok: 1,
    };
  }

  // ---- catalog ----

  private listDatabases(command: Doc): Doc {
    const filter = compileFilter(command.filter as Doc | undefined).matches;
    const databases = [...this.storage.databases.keys()]
      .map((name) => ({ name, sizeOnDisk: 0, empty: false }))
      .filter((db) => filter(db));
    if (command.nameOnly === true) return { databases: databases.map(({ name }) => ({ name })), ok: 1 };
    return { databases, totalSize: 0, totalSizeMb: 0, ok: 1 };
  }

  private listCollections(command: Doc, context: Context): Doc {
    const filter = compileFilter(command.filter as Doc | undefined).matches;
    const collections = [...(this.storage.databases.get(context.db)?.values() ?? [])]
      .map((collection) =>
        command.nameOnly === true
          ? { name: collection.name, type: 'collection' }
          : {
              name: collection.name,
              type: 'collection',
              options: {},
              info: { readOnly: false, uuid: collection.uuid },
              idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
            },
      )
      .filter((info) => filter(info));
    return this.cursorReply(
      `${context.db}.$cmd.listCollections`,
      collections,
      command.cursor as Doc | undefined,
      false,
    );
  }

  private create(command: Doc, context: Context): Doc {
    const name = collectionName(command, 'create');
    for (const option of [
      'capped',
      'validator',
      'viewOn',
      'timeseries',
      'clusteredIndex',
      'collation',
      'changeStreamPreAndPostImages',
    ]) {
      if (command[option] !== undefined && command[option] !== false)
        throw notSupported(`the collection option '${option}'`);
    }
    if (this.storage.collection(context.db, name)) {
      throw new MongoCommandError(48, 'NamespaceExists', `Collection ${context.db}.${name} already exists.`);
    }
    this.storage.createCollection(context.db, name);
    return { ok: 1 };
  }

  private drop(command: Doc, context: Context): Doc {
    const name = collectionName(command, 'drop');
    const dropped = this.storage.dropCollection(context.db, name);
    return { ns: `${context.db}.${name}`, nIndexesWas: dropped ? dropped.indexSpecs().length : 0, ok: 1 };
  }

  private createIndexes(command: Doc, context: Context): Doc {
    const name = collectionName(command, 'createIndexes');
    if (!Array.isArray(command.indexes) || command.indexes.length === 0)
      throw badValue('Must specify at least one index to create');
    const existed = this.storage.collection(context.db, name) !== undefined;
    const collection = this.storage.createCollection(context.db, name);
    const before = collection.indexSpecs().length;
    let created = 0;
    for (const raw of command.indexes as Doc[]) {
      if (this.storage.createIndex(collection, indexSpec(raw))) created++;
    }
    return {
      createdCollectionAutomatically: !existed,
      numIndexesBefore: before,
      numIndexesAfter: collection.indexSpecs().length,
      ...(created === 0 ? { note: 'all indexes already exist' } : {}),
      ok: 1,
    };
  }

  private listIndexes(command: Doc, context: Context): Doc {
    const collection = this.requireCollection(context.db, collectionName(command, 'listIndexes'));
    return this.cursorReply(
      collection.ns,
      collection.indexSpecs() as unknown as Doc[],
      command.cursor as Doc | undefined,
      false,
    );
  }

  private dropIndexes(command: Doc, context: Context): Doc {
    const collection = this.requireCollection(context.db, collectionName(command, Object.keys(command)[0]));
    const before = collection.indexSpecs().length;
    const target = command.index;
    let names: string[];
    if (target === '*') names = [...collection.indexes.keys()];
    else if (typeof target === 'string') names = [target];
    else if (Array.isArray(target)) names = target.map(String);
    else if (isPlainObject(target)) {
      const match = collection.indexSpecs().find((spec) => valueKey(spec.key) === valueKey(target));
      if (!match)
        throw new MongoCommandError(27, 'IndexNotFound', `can't find index with key: ${JSON.stringify(target)}`);
      names = [match.name];
    } else throw badValue('invalid index specification for dropIndexes');
    for (const name of names) {
      if (name === '_id_') throw new MongoCommandError(72, 'InvalidOptions', 'cannot drop _id index');
      if (!collection.indexes.has(name))
        throw new MongoCommandError(27, 'IndexNotFound', `index not found with name [${name}]`);
    }
    for (const name of names) this.storage.dropIndex(collection, name);
    return { nIndexesWas: before, ok: 1 };
  }

  private requireCollection(db: string, name: string): Collection {
    const collection = this.storage.collection(db, name);
    if (!collection) throw new MongoCommandError(26, 'NamespaceNotFound', `ns does not exist: ${db}.${name}`);
    return collection;
  }

  // ---- reads ----

  private matching(collection: Collection | undefined, filter: Value, txn?: Transaction): Doc[] {
    return this.storage.find(collection, compileFilter(filter as Doc | undefined), txn).map(({ doc }) => doc);
  }

  private find(command: Doc, context: Context): Doc {
    const name = collectionName(command, 'find');
    rejectCollation(command);
    const collection = this.storage.collection(context.db, name);
    checkHint(collection, command.hint);
    const filter = compileFilter(command.filter as Doc | undefined);
    const sortSpec = command.sort as Doc | undefined;
    const sort = parseSort(sortSpec);
    const skip = command.skip === undefined ? 0 : toNumber(command.skip);
    const limit = command.limit === undefined ? 0 : toNumber(command.limit);
    if (skip < 0) throw badValue('skip value must be non-negative');
    let docs: Doc[];
    if (sortSpec && !sort && toNumber(sortSpec.$natural) < 0) {
      docs = this.storage.find(collection, filter, context.txn).map(({ doc }) => doc);
      docs = docs.reverse().slice(skip, limit === 0 ? undefined : skip + Math.abs(limit));
    } else {
      const options = { sort, skip, limit: Math.abs(limit) };
      docs = this.storage.query(collection, filter, options, context.txn).map(({ doc }) => doc);
    }
    const project = compileProjection(command.projection as Doc | undefined, filter);
    if (project) docs = docs.map(project);
    const singleBatch = command.singleBatch === true || limit < 0;
    const batchSize = command.batchSize === undefined ? undefined : toNumber(command.batchSize);
    return this.cursorReply(
      `${context.db}.${name}`,
      docs,
      batchSize === undefined ? undefined : { batchSize },
      singleBatch,
    );
  }

  private cursorReply(ns: string, docs: Doc[], options: Doc | undefined, singleBatch: boolean): Doc {
    const batchSize = options?.batchSize === undefined ? DEFAULT_BATCH : toNumber(options.batchSize);
    const firstBatch = takeBatch(docs, batchSize === 0 ? 0 : batchSize);
    let id = Long.ZERO;
    if (!singleBatch && firstBatch.length < docs.length) {
      id = Long.fromNumber(this.nextCursorId++);
      this.cursors.set(id.toString(), { ns, remaining: docs.slice(firstBatch.length), lastUsed: Date.now() });
    }
    return { cursor: { firstBatch, id, ns }, ok: 1 };
  }

  private getMore(command: Doc, context: Context): Doc {
    const id = Long.fromValue(command.getMore as Long | number);
    const cursor = this.cursors.get(id.toString());
    if (!cursor) throw new MongoCommandError(43, 'CursorNotFound', `cursor id ${id.toString()} not found`);
    const ns = `${context.db}.${String(command.collection)}`;
    if (cursor.ns !== ns && !cursor.ns.startsWith(`${context.db}.$cmd`)) {
      throw new MongoCommandError(
        13,
        'Unauthorized',
        `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`,
      );
    }
    const batch = takeBatch(cursor.remaining, command.batchSize === undefined ? Infinity : toNumber(command.batchSize));
    cursor.remaining = cursor.remaining.slice(batch.length);
    cursor.lastUsed = Date.now();
    let replyId = id;
    if (cursor.remaining.length === 0) {
      this.cursors.delete(id.toString());
      replyId = Long.ZERO;
    }
    return { cursor: { nextBatch: batch, id: replyId, ns: cursor.ns }, ok: 1 };
  }

  private killCursors(command: Doc): Doc {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const raw of (command.cursors as (Long | number)[]) ?? []) {
      const id = Long.fromValue(raw);
      (this.cursors.delete(id.toString()) ? killed : notFound).push(id);
    }
    return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
  }

  private count(command: Doc, context: Context): Doc {
    const collection = this.storage.collection(context.db, collectionName(command, 'count'));
    checkHint(collection, command.hint);
    let n = this.matching(collection, command.query, context.txn).length;
    const skip = command.skip === undefined ? 0 : toNumber(command.skip);
    const limit = command.limit === undefined ? 0 : Math.abs(toNumber(command.limit));
    n = Math.max(0, n - skip);
    if (limit > 0) n = Math.min(n, limit);
    return { n, ok: 1 };
  }

  private distinct(command: Doc, context: Context): Doc {
    const collection = this.storage.collection(context.db, collectionName(command, 'distinct'));
    if (typeof command.key !== 'string') throw badValue("'key' must be a string");
    const seen = new Map<string, Value>();
    for (const doc of this.matching(collection, command.query, context.txn)) {
      for (const { value } of valuesAtPath(doc, command.key)) {
        if (value === MISSING) continue;
        for (const item of Array.isArray(value) ? value : [value])
          if (!seen.has(valueKey(item))) seen.set(valueKey(item), item);
      }
    }
    return { values: [...seen.values()], ok: 1 };
  }

  private aggregate(command: Doc, context: Context): Doc {
    if (typeof command.aggregate !== 'string') throw notSupported('database-level aggregation');
    rejectCollation(command);
    if (command.explain) throw notSupported('explain');
    const name = command.aggregate;
    const docs = runPipeline(
      this.matching(this.storage.collection(context.db, name), {}, context.txn),
      command.pipeline,
      {
        collectionDocuments: (other) => this.matching(this.storage.collection(context.db, other), {}, context.txn),
        variables: command.let as Doc | undefined,
      },
    );
    return this.cursorReply(`${context.db}.${name}`, docs, command.cursor as Doc | undefined, false);
  }

  // ---- writes ----

  private insert(command: Doc, context: Context): Doc {
    const name = collectionName(command, 'insert');
    const documents = command.documents;
    if (!Array.isArray(documents)) throw badValue("'documents' must be an array");
    const collection = this.storage.createCollection(context.db, name);
    return this.eachWrite(documents as Doc[], command.ordered !== false, (doc) => {
      this.storage.insert(collection, withId(doc), context.txn);
      return 1;
    });
  }

  private update(command: Doc, context: Context): Doc {
    const name = collectionName(command, 'update');
    rejectCollation(command);
    const updates = command.updates;
    if (!Array.isArray(updates)) throw badValue("'updates' must be an array");
    let modified = 0;
    const upserted: Doc[] = [];
    const reply = this.eachWrite(updates as Doc[], command.ordered !== false, (spec, index) => {
      if (spec.collation !== undefined) throw notSupported('collation');
      const result = this.updateDocuments(context, name, spec);
      modified += result.modified;
      if (result.upsertedId !== undefined) upserted.push({ index, _id: result.upsertedId });
      return result.matched + (result.upsertedId !== undefined ? 1 : 0);
    });
    return { ...reply, nModified: modified, ...(upserted.length > 0 ? { upserted } : {}) };
  }

  private updateDocuments(
    context: Context,
    name: string,
    spec: Doc,
  ): { matched: number; modified: number; upsertedId?: Value } {
    const update = spec.u;
    validateUpdate(update);
    if (spec.multi === true && isReplacement(update)) {
      throw failedToParse('multi update is not supported for replacement-style update');
    }
    const filter = compileFilter(spec.q as Doc);
    const collection = this.storage.collection(context.db, name);
    const found = this.storage.query(collection, filter, { limit: spec.multi === true ? 0 : 1 }, context.txn);
    const arrayFilters = spec.arrayFilters as Doc[] | undefined;
    let modified = 0;
    for (const { idKey, doc } of found) {
      const details: { positional?: number } = {};
      filter.matches(doc, details);
      const updated = applyUpdate(doc, update, { inserting: false, positional: details.positional, arrayFilters });
      if (!valuesEqual(updated, doc)) {
        this.storage.replace(collection!, idKey, updated, context.txn);
        modified++;
      }
    }
    if (found.length === 0 && spec.upsert === true) {
      const doc = upsertDocument(spec.q as Doc, update, arrayFilters);
      this.storage.insert(this.storage.createCollection(context.db, name), doc, context.txn);
      return { matched: 0, modified: 0, upsertedId: doc._id };
    }
    return { matched: found.length, modified };
  }

  private delete(command: Doc, context: Context): Doc {
    const name = collectionName(command, 'delete');
    const deletes = command.deletes;
    if (!Array.isArray(deletes)) throw badValue("'deletes' must be an array");
    const collection = this.storage.collection(context.db, name);
    return this.eachWrite(deletes as Doc[], command.ordered !== false, (spec) => {
      if (spec.collation !== undefined) throw notSupported('collation');
      const limit = toNumber(spec.limit ?? 0) === 1 ? 1 : 0;
      const found = this.storage.query(collection, compileFilter(spec.q as Doc), { limit }, context.txn);
      for (const { idKey } of found) this.storage.delete(collection!, idKey, context.txn);
      return found.length;
    });
  }

  /**
   * Applies each write of a batch, collecting write errors (stopping at the first when ordered).
   * Transaction conflicts are not write errors: they fail the whole command so the driver retries.
   */
  private eachWrite(items: Doc[], ordered: boolean, apply: (item: Doc, index: number) => number): Doc {
    let n = 0;
    const writeErrors: Doc[] = [];
    for (let index = 0; index < items.length; index++) {
      try {
        n += apply(items[index], index);
      } catch (error) {
        if (!(error instanceof MongoCommandError) || error.errorLabels.includes('TransientTransactionError'))
          throw error;
        writeErrors.push({ index, code: error.code, codeName: error.codeName, errmsg: error.message, ...error.extra });
        if (ordered) break;
      }
    }
    return { n, ...(writeErrors.length > 0 ? { writeErrors } : {}), ok: 1 };
  }

  private findAndModify(command: Doc, context: Context): Doc {
    const name = collectionName(command, Object.keys(command)[0]);
    rejectCollation(command);
    const remove = command.remove === true;
    const update = command.update;
    if (remove === (update !== undefined)) throw failedToParse('Either an update or remove=true must be specified');
    if (update !== undefined) validateUpdate(update);
    const filter = compileFilter(command.query as Doc | undefined);
    const collection = this.storage.collection(context.db, name);
    const sort = parseSort(command.sort as Doc | undefined);
    const [target] = this.storage.query(collection, filter, { sort, limit: 1 }, context.txn);
    const project = compileProjection(command.fields as Doc | undefined, filter);
    const shape = (doc: Doc | null) => (doc && project ? project(doc) : doc);

    if (remove) {
      if (target) this.storage.delete(collection!, target.idKey, context.txn);
      return { lastErrorObject: { n: target ? 1 : 0 }, value: shape(target?.doc ?? null), ok: 1 };
    }
    const arrayFilters = command.arrayFilters as Doc[] | undefined;
    if (target) {
      const details: { positional?: number } = {};
      filter.matches(target.doc, details);
      const updated = applyUpdate(target.doc, update!, {
        inserting: false,
        positional: details.positional,
        arrayFilters,
      });
      if (!valuesEqual(updated, target.doc)) this.storage.replace(collection!, target.idKey, updated, context.txn);
      return {
        lastErrorObject: { n: 1, updatedExisting: true },
        value: shape(command.new === true ? updated : target.doc),
        ok: 1,
      };
    }
    if (command.upsert === true) {
      const doc = upsertDocument((command.query as Doc) ?? {}, update!, arrayFilters);
      this.storage.insert(this.storage.createCollection(context.db, name), doc, context.txn);
      return {
        lastErrorObject: { n: 1, updatedExisting: false, upserted: doc._id },
        value: shape(command.new === true ? doc : null),
        ok: 1,
      };
    }
    return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
  }
}

function lsidKey(lsid: Value): string | undefined {
  if (!isPlainObject(lsid) || !(lsid.id instanceof Binary)) return undefined;
  return Buffer.from(lsid.id.buffer).toString('hex');
}

function collectionName(command: Doc, field: string): string {
  const name = command[field];
  if (typeof name !== 'string' || name === '') {
    throw new MongoCommandError(73, 'InvalidNamespace', `collection name has invalid type ${typeof name}`);
  }
  return name;
}

/** A hint must name an existing index (by name or key pattern), as mongod's planner requires. */
function checkHint(collection: Collection | undefined, hint: Value): void {
  if (hint === undefined || !collection) return;
  if (isPlainObject(hint) && Object.keys(hint).length === 0) return;
  if (isPlainObject(hint) && '$natural' in hint) return;
  const exists = collection
    .indexSpecs()
    .some((spec) => (typeof hint === 'string' ? spec.name === hint : valueKey(spec.key) === valueKey(hint)));
  if (!exists) {
    throw badValue(
      'error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index',
    );
  }
}

function rejectCollation(command: Doc): void {
  if (command.collation !== undefined) throw notSupported('collation');
}

/** A batch of at most `size` documents and about 16 MiB. */
function takeBatch(docs: Doc[], size: number): Doc[] {
  const batch: Doc[] = [];
  let bytes = 0;
  for (const doc of docs) {
    if (batch.length >= size) break;
    bytes += calculateObjectSize(doc);
    if (batch.length > 0 && bytes > MAX_BSON_SIZE - 1024 * 1024) break;
    batch.push(doc);
  }
  return batch;
}

/** Gives a document an ObjectId `_id` when it has none, and puts `_id` first, as mongod does. */
function withId(doc: Doc): Doc {
  if (!isPlainObject(doc)) throw badValue('document to insert must be an object');
  if (doc._id === undefined) return { _id: new ObjectId(), ...doc };
  if (Array.isArray(doc._id)) throw badValue("can't use an array for _id");
  if (isPlainObject(doc._id) && Object.keys(doc._id).some((key) => key.startsWith('$'))) {
    throw badValue("_id fields may not contain '$'-prefixed fields");
  }
  if (Object.keys(doc)[0] === '_id') return doc;
  const { _id, ...rest } = doc;
  return { _id, ...rest };
}

/** The document an upsert inserts: the query's equality fields, then the update applied to them. */
function upsertDocument(query: Doc, update: Update, arrayFilters: Doc[] | undefined): Doc {
  if (isReplacement(update)) {
    const id = equalityFields(query)._id;
    return withId(applyUpdate(id === undefined ? {} : { _id: id }, update, { inserting: true }));
  }
  const base = equalityFields(query);
  return withId(applyUpdate(base, update, { inserting: true, arrayFilters }));
}

function equalityFields(query: Doc): Doc {
  const doc: Doc = {};
  const visit = (filter: Doc) => {
    for (const [key, condition] of Object.entries(filter)) {
      if (key === '$and' && Array.isArray(condition)) condition.forEach((part) => visit(part as Doc));
      if (key.startsWith('$')) continue;
      let value: Value = condition;
      if (isPlainObject(condition) && Object.keys(condition)[0]?.startsWith('$')) {
        if (!('$eq' in condition)) continue;
        value = condition.$eq;
      }
      if (value instanceof RegExp) continue;
      setNested(doc, key.split('.'), value);
    }
  };
  visit(query);
  return doc;
}

function setNested(doc: Doc, parts: string[], value: Value): void {
  let node = doc;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(node[part])) node[part] = {};
    node = node[part] as Doc;
  }
  node[parts[parts.length - 1]] = value;
}

function indexSpec(raw: Doc): IndexSpec {
  if (!isPlainObject(raw) || !isPlainObject(raw.key) || Object.keys(raw.key).length === 0) {
    throw new MongoCommandError(67, 'CannotCreateIndex', 'index specification must have a non-empty key object');
  }
  for (const [field, direction] of Object.entries(raw.key)) {
    if (!isNumeric(direction) || ![1, -1].includes(toNumber(direction))) {
      throw new MongoCommandError(
        67,
        'CannotCreateIndex',
        `index type ${JSON.stringify(direction)} on '${field}' is not supported by the embedded MongoDB engine`,
      );
    }
  }
  for (const option of ['collation', 'wildcardProjection', 'weights', '2dsphereIndexVersion', 'hidden']) {
    if (raw[option] !== undefined && raw[option] !== false) throw notSupported(`the index option '${option}'`);
  }
  const name =
    typeof raw.name === 'string'
      ? raw.name
      : Object.entries(raw.key)
          .map(([k, v]) => `${k}_${toNumber(v)}`)
          .join('_');
  const spec: IndexSpec = { v: 2, key: raw.key, name };
  if (raw.unique === true) spec.unique = true;
  if (raw.sparse === true) spec.sparse = true;
  if (isPlainObject(raw.partialFilterExpression)) {
    compileFilter(raw.partialFilterExpression);
    spec.partialFilterExpression = raw.partialFilterExpression;
  }
  if (raw.expireAfterSeconds !== undefined) spec.expireAfterSeconds = toNumber(raw.expireAfterSeconds);
  return spec;
}
