/**
 * Engine internals: the query planner (ordered index walks that stop at the limit, equality
 * indexes) must give the same documents as matching and sorting every document. Property test
 * over seeded random collections, updates, deletes, transactions and queries.
 */
import { Decimal128, Long, ObjectId } from 'bson';
import { compareBy, compileFilter, parseSort, sortBy } from '../src/matcher';
import { Collection, Found, Storage, Transaction, idKeyOf } from '../src/storage';
import { Doc, Value } from '../src/values';

/** mulberry32: a small seeded generator, so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface World {
  next: () => number;
  pick: <T>(items: readonly T[]) => T;
  ids: Value[];
}

function world(seed: number): World {
  const next = random(seed);
  return { next, pick: (items) => items[Math.floor(next() * items.length)], ids: [] };
}

const STATUSES = ['available', 'reserved', 'sold'] as const;

function randomId(w: World, mixedIds: boolean): Value {
  const id = ObjectId.createFromTime(1_700_000_000 + Math.floor(w.next() * 100_000));
  if (!mixedIds) return id;
  return w.pick([id, id, Math.floor(w.next() * 1000), `id-${Math.floor(w.next() * 1000)}`, w.next() * 10]);
}

function randomPrice(w: World, arrays: boolean): Value {
  const n = Math.floor(w.next() * 20);
  const price = w.pick<Value>([n, n + 0.5, Long.fromNumber(n), Decimal128.fromString(`${n}.25`), undefined, null]);
  return arrays && w.next() < 0.1 ? [price, n + 1] : price;
}

function randomDoc(w: World, options: { mixedIds: boolean; arrays: boolean }): Doc {
  const doc: Doc = { _id: randomId(w, options.mixedIds) };
  if (w.next() < 0.9) doc.status = w.pick<Value>([...STATUSES, null]);
  doc.userId = `user-${Math.floor(w.next() * 5)}`;
  const price = randomPrice(w, options.arrays);
  if (price !== undefined) doc.price = price;
  if (w.next() < 0.5) doc.meta = { n: Math.floor(w.next() * 4) };
  return doc;
}

function randomFilter(w: World): Doc {
  const filter: Doc = {};
  if (w.next() < 0.6)
    filter.status = w.pick<Value>([
      ...STATUSES,
      null,
      { $eq: 'available' },
      { $in: ['sold', 'reserved'] },
      { $in: ['available', 'reserved'] },
    ]);
  if (w.next() < 0.3) filter.userId = `user-${Math.floor(w.next() * 5)}`;
  if (w.next() < 0.5 && w.ids.length > 0) {
    const operator = w.pick(['$lt', '$lte', '$gt', '$gte']);
    filter._id = { [operator]: w.pick(w.ids) };
    if (w.next() < 0.3) filter._id = { ...(filter._id as Doc), [w.pick(['$lt', '$gt'])]: w.pick(w.ids) };
  }
  if (w.next() < 0.3) filter.price = { [w.pick(['$lt', '$lte', '$gt', '$gte'])]: Math.floor(w.next() * 20) };
  if (w.next() < 0.15) filter['meta.n'] = Math.floor(w.next() * 4);
  if (w.next() < 0.1) filter.$or = [{ status: 'sold' }, { price: { $gt: 10 } }];
  return filter;
}

/** Sorts with a unique last key (whose result order is fully determined) or with ties. */
const TOTAL_SORTS: Doc[] = [
  { _id: -1 },
  { _id: 1 },
  { status: 1, _id: -1 },
  { status: -1, _id: 1 },
  { userId: 1, _id: -1 },
  { price: 1, _id: 1 },
  { price: -1, _id: -1 },
];
const TIED_SORTS: Doc[] = [{ price: 1 }, { price: -1 }, { status: 1 }, { 'meta.n': -1 }, { userId: -1, price: 1 }];

/** What the planner must agree with: every visible document matched, then sorted, then sliced. */
function fullScan(
  storage: Storage,
  collection: Collection,
  filter: Doc,
  sort: Doc | undefined,
  skip: number,
  limit: number,
  txn?: Transaction,
): Found[] {
  const compiled = compileFilter(filter);
  const found: Found[] = [];
  for (const [idKey, record] of collection.records) {
    const doc = storage.visible(record, txn, collection, idKey);
    if (doc && compiled.matches(doc)) found.push({ idKey, doc });
  }
  const keys = parseSort(sort);
  const sorted = keys ? sortBy(found, (f) => f.doc, keys) : found;
  return sorted.slice(skip, limit === 0 ? undefined : skip + limit);
}

function checkQueries(w: World, storage: Storage, collection: Collection, txn?: Transaction): number {
  let checked = 0;
  for (let q = 0; q < 40; q++) {
    const filter = randomFilter(w);
    const tied = w.next() < 0.3;
    const sort = w.next() < 0.15 ? undefined : w.pick(tied ? TIED_SORTS : TOTAL_SORTS);
    const skip = w.next() < 0.3 ? Math.floor(w.next() * 5) : 0;
    const limit = w.pick([0, 1, 5, 21, 21, 50]);
    const expected = fullScan(storage, collection, filter, sort, skip, limit, txn);
    const actual = storage.query(collection, compileFilter(filter), { sort: parseSort(sort), skip, limit }, txn);
    const context = JSON.stringify({ filter, sort, skip, limit });
    const compiled = compileFilter(filter);
    expect({ context, n: actual.length }).toEqual({ context, n: expected.length });
    expect(actual.every((f) => compiled.matches(f.doc))).toBe(true);
    expect(new Set(actual.map((f) => f.idKey)).size).toBe(actual.length);
    if (sort && !tied) {
      expect({ context, ids: actual.map((f) => f.idKey) }).toEqual({ context, ids: expected.map((f) => f.idKey) });
      expect(actual.map((f) => f.doc)).toEqual(expected.map((f) => f.doc));
    } else if (!sort) {
      // Without a sort any order is right (an index gives its own): all of them when not sliced.
      if (skip === 0 && limit === 0) {
        const byKey = (a: Found, b: Found) => (a.idKey < b.idKey ? -1 : 1);
        expect([...actual].sort(byKey)).toEqual([...expected].sort(byKey));
      }
    } else {
      // Equal sort keys may come in any order: position by position, the keys must be equal.
      const compare = compareBy(parseSort(sort)!);
      const differing = actual.filter((f, i) => compare(f.doc, expected[i].doc) !== 0);
      expect({ context, differing }).toEqual({ context, differing: [] });
    }
    checked++;
  }
  return checked;
}

function populate(
  w: World,
  storage: Storage,
  collection: Collection,
  options: { mixedIds: boolean; arrays: boolean },
): void {
  const count = 150 + Math.floor(w.next() * 250);
  for (let i = 0; i < count; i++) {
    const doc = randomDoc(w, options);
    if (storage.findById(collection, doc._id)) continue;
    storage.insert(collection, doc);
    w.ids.push(doc._id);
  }
  // Updates that move documents within the indexes, and deletes.
  for (let i = 0; i < count / 3; i++) {
    const id = w.pick(w.ids);
    const current = storage.findById(collection, id);
    if (!current) continue;
    if (w.next() < 0.25) storage.delete(collection, idKeyOf(id));
    else storage.replace(collection, idKeyOf(id), { ...randomDoc(w, options), _id: current._id });
  }
}

function setUp(seed: number, options: { mixedIds: boolean; arrays: boolean }) {
  const w = world(seed);
  const storage = new Storage();
  const collection = storage.createCollection('db', 'tickets');
  storage.createIndex(collection, { v: 2, key: { status: 1, _id: -1 }, name: 'status_1__id_-1' });
  storage.createIndex(collection, { v: 2, key: { userId: 1, _id: -1 }, name: 'userId_1__id_-1' });
  storage.createIndex(collection, { v: 2, key: { price: 1 }, name: 'price_1' });
  storage.createIndex(collection, { v: 2, key: { 'meta.n': -1 }, name: 'meta.n_-1', sparse: true });
  storage.createIndex(collection, {
    v: 2,
    key: { userId: 1 },
    name: 'for_sale_by_user',
    partialFilterExpression: { status: { $in: ['available', 'reserved'] } },
  });
  populate(w, storage, collection, options);
  return { w, storage, collection };
}

describe('query planner agrees with a full scan', () => {
  const seeds = Array.from({ length: 24 }, (_, i) => 1000 + i);

  it.each(seeds)('seed %i: committed data, ObjectId ids, no arrays', (seed) => {
    const { w, storage, collection } = setUp(seed, { mixedIds: false, arrays: false });
    expect(checkQueries(w, storage, collection)).toBe(40);
  });

  it.each(seeds)('seed %i: mixed id types and array fields (no ordered walk on price)', (seed) => {
    const { w, storage, collection } = setUp(seed, { mixedIds: true, arrays: true });
    expect(checkQueries(w, storage, collection)).toBe(40);
  });

  it.each(seeds)(
    'seed %i: inside a transaction, with its own writes and writes committed after its snapshot',
    (seed) => {
      const options = { mixedIds: seed % 2 === 0, arrays: false };
      const { w, storage, collection } = setUp(seed, options);
      const txn = storage.beginTransaction(1);
      for (let i = 0; i < 30; i++) {
        const id = w.pick(w.ids);
        const current = storage.findById(collection, id, txn);
        const idKey = idKeyOf(id);
        if (!current) {
          // (Inserting again an id the transaction deleted is refused: the engine reports a write conflict.)
          if (!txn.writes.get(collection)?.has(idKey))
            storage.insert(collection, { ...randomDoc(w, options), _id: id }, txn);
        } else if (w.next() < 0.3) storage.delete(collection, idKey, txn);
        else storage.replace(collection, idKey, { ...randomDoc(w, options), _id: current._id }, txn);
      }
      // Committed by others after the snapshot: invisible to the transaction, visible to plain reads.
      const other = storage.beginTransaction(2);
      for (let i = 0; i < 30; i++) {
        const doc = randomDoc(w, options);
        if (collection.records.has(idKeyOf(doc._id))) continue;
        storage.insert(collection, doc, other);
        w.ids.push(doc._id);
      }
      for (let i = 0; i < 30; i++) {
        const id = w.pick(w.ids);
        const idKey = idKeyOf(id);
        const current = storage.findById(collection, id, other);
        if (!current || txn.writes.get(collection)?.has(idKey) || other.writes.get(collection)?.has(idKey)) continue;
        if (w.next() < 0.3) storage.delete(collection, idKey, other);
        else storage.replace(collection, idKey, { ...randomDoc(w, options), _id: current._id }, other);
      }
      storage.commit(other);
      expect(checkQueries(w, storage, collection, txn)).toBe(40);
      expect(checkQueries(w, storage, collection)).toBe(40);
      storage.commit(txn);
      expect(checkQueries(w, storage, collection)).toBe(40);
    },
  );
});
