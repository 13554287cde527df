import { Doc, Value, compareValues, isPlainObject, isRegex } from './values';

/** Chunks split beyond this size, so an insert or delete moves at most this many items. */
const MAX_CHUNK = 512;

/** First index of `items` for which `reached` holds (`reached` is false, then true, along `items`). */
function firstReached<T>(items: T[], reached: (item: T) => boolean): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (reached(items[middle])) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** A sorted sequence kept in chunks: inserts and deletes are a binary search and a short splice. */
export class SortedList<T> {
  private readonly chunks: T[][] = [];

  constructor(private readonly compare: (a: T, b: T) => number) {}

  insert(item: T): void {
    if (this.chunks.length === 0) {
      this.chunks.push([item]);
      return;
    }
    const c = Math.min(
      this.chunkReaching((x) => this.compare(x, item) >= 0),
      this.chunks.length - 1,
    );
    const chunk = this.chunks[c];
    chunk.splice(
      firstReached(chunk, (x) => this.compare(x, item) >= 0),
      0,
      item,
    );
    if (chunk.length > MAX_CHUNK) this.chunks.splice(c + 1, 0, chunk.splice(MAX_CHUNK / 2));
  }

  /** Removes the item comparing equal to `item`; false when there is none. */
  delete(item: T): boolean {
    const c = this.chunkReaching((x) => this.compare(x, item) >= 0);
    if (c === this.chunks.length) return false;
    const chunk = this.chunks[c];
    const i = firstReached(chunk, (x) => this.compare(x, item) >= 0);
    if (i === chunk.length || this.compare(chunk[i], item) !== 0) return false;
    chunk.splice(i, 1);
    if (chunk.length === 0) this.chunks.splice(c, 1);
    return true;
  }

  /** The items in order, from the first for which `reached` holds. */
  *from(reached: (item: T) => boolean): Generator<T> {
    let c = this.chunkReaching(reached);
    if (c === this.chunks.length) return;
    let i = firstReached(this.chunks[c], reached);
    for (; c < this.chunks.length; c++, i = 0) {
      const chunk = this.chunks[c];
      for (; i < chunk.length; i++) yield chunk[i];
    }
  }

  /** The items in reverse order, from the last before the first for which `passed` holds. */
  *backFrom(passed: (item: T) => boolean): Generator<T> {
    let c = this.chunkReaching(passed);
    let i: number;
    if (c === this.chunks.length) {
      c--;
      i = c >= 0 ? this.chunks[c].length - 1 : -1;
    } else i = firstReached(this.chunks[c], passed) - 1;
    for (; c >= 0; c--, i = c >= 0 ? this.chunks[c].length - 1 : -1) {
      const chunk = this.chunks[c];
      for (; i >= 0; i--) yield chunk[i];
    }
  }

  /** The first chunk whose last item satisfies `reached`; the number of chunks when none does. */
  private chunkReaching(reached: (item: T) => boolean): number {
    return firstReached(this.chunks, (chunk) => reached(chunk[chunk.length - 1]));
  }
}

/** One document in an ordered index: its values of the index fields, in field order. */
export interface OrderedEntry {
  values: Value[];
  id: Value;
  idKey: string;
}

export interface Bound {
  value: Value;
  inclusive: boolean;
}

/** Range conditions (`$gt`, `$gte`, `$lt`, `$lte`) of one path. */
export interface Range {
  lower?: Bound;
  upper?: Bound;
}

export interface SortKey {
  path: string;
  dir: number;
}

/**
 * How an ordered index serves a sorted query: the entries whose leading fields equal `prefix` and
 * whose next field lies in `range`, in index order or (`reverse`) the opposite.
 */
export interface OrderedPlan {
  index: OrderedIndex;
  prefix: Value[];
  range?: Range;
  reverse: boolean;
}

/**
 * The documents of a collection (latest committed versions) sorted by the fields of an index and
 * then `_id`, as MongoDB orders a B-tree index, so that a sort on those fields is a walk that stops
 * once the limit is reached. A document with an array on an index path cannot be placed by one
 * key; while the collection holds any, the order is not used (it is still kept for the others).
 */
export class OrderedIndex {
  private readonly list: SortedList<OrderedEntry>;
  private readonly parts: string[][];
  private multikeyDocuments = 0;

  constructor(
    readonly fields: string[],
    readonly directions: number[],
  ) {
    this.parts = fields.map((field) => field.split('.'));
    this.list = new SortedList((a, b) => this.compareEntries(a, b));
  }

  add(idKey: string, doc: Doc | null): void {
    if (!doc) return;
    const entry = this.entryOf(idKey, doc);
    if (entry) this.list.insert(entry);
    else this.multikeyDocuments++;
  }

  remove(idKey: string, doc: Doc | null): void {
    if (!doc) return;
    const entry = this.entryOf(idKey, doc);
    if (entry) this.list.delete(entry);
    else this.multikeyDocuments--;
  }

  /** Moves a document whose committed version changed from `old` to `doc`. */
  update(idKey: string, old: Doc | null, doc: Doc | null): void {
    if (old && doc && this.parts.every((parts) => valueAt(old, parts) === valueAt(doc, parts))) return;
    this.remove(idKey, old);
    this.add(idKey, doc);
  }

  /**
   * How this index serves `sort` given the query's single-value equalities and ranges, or
   * undefined when it cannot (a field order or direction that differs, documents with arrays).
   */
  plan(sort: SortKey[], equalities: Map<string, Value[]>, ranges: Map<string, Range>): OrderedPlan | undefined {
    if (this.multikeyDocuments > 0) return undefined;
    const prefix: Value[] = [];
    while (prefix.length < this.fields.length) {
      const values = equalities.get(this.fields[prefix.length]);
      if (!values || values.length !== 1 || !isOrderableEquality(values[0])) break;
      prefix.push(values[0]);
    }
    const bound = new Set(this.fields.slice(0, prefix.length));
    const rest = sort.filter((key) => !bound.has(key.path));
    if (rest.length > this.fields.length - prefix.length) return undefined;
    let reverse: boolean | undefined;
    for (let k = 0; k < rest.length; k++) {
      const i = prefix.length + k;
      if (rest[k].path !== this.fields[i]) return undefined;
      const opposite = rest[k].dir !== this.directions[i];
      if (reverse !== undefined && reverse !== opposite) return undefined;
      reverse = opposite;
    }
    const range = prefix.length < this.fields.length ? ranges.get(this.fields[prefix.length]) : undefined;
    return { index: this, prefix, range, reverse: reverse ?? false };
  }

  /** The entries a plan selects, in the plan's order. */
  *walk(plan: OrderedPlan): Generator<OrderedEntry> {
    const position = (entry: OrderedEntry) => this.position(entry, plan.prefix, plan.range);
    if (!plan.reverse) {
      for (const entry of this.list.from((entry) => position(entry) >= 0)) {
        if (position(entry) > 0) return;
        yield entry;
      }
    } else {
      for (const entry of this.list.backFrom((entry) => position(entry) > 0)) {
        if (position(entry) < 0) return;
        yield entry;
      }
    }
  }

  /** -1, 0 or 1: the entry comes before, within or after the plan's entries, in index order. */
  private position(entry: OrderedEntry, prefix: Value[], range: Range | undefined): number {
    for (let i = 0; i < prefix.length; i++) {
      const c = compareValues(entry.values[i], prefix[i]) * this.directions[i];
      if (c !== 0) return c < 0 ? -1 : 1;
    }
    if (!range) return 0;
    const value = entry.values[prefix.length];
    const direction = this.directions[prefix.length];
    if (range.lower) {
      const c = compareValues(value, range.lower.value);
      if (c < 0 || (c === 0 && !range.lower.inclusive)) return -direction;
    }
    if (range.upper) {
      const c = compareValues(value, range.upper.value);
      if (c > 0 || (c === 0 && !range.upper.inclusive)) return direction;
    }
    return 0;
  }

  private compareEntries(a: OrderedEntry, b: OrderedEntry): number {
    for (let i = 0; i < this.directions.length; i++) {
      const c = compareValues(a.values[i], b.values[i]);
      if (c !== 0) return c * this.directions[i];
    }
    return compareValues(a.id, b.id);
  }

  /** The entry of a document, or undefined when an index path meets an array. */
  private entryOf(idKey: string, doc: Doc): OrderedEntry | undefined {
    const values: Value[] = [];
    for (const parts of this.parts) {
      const value = valueAt(doc, parts);
      if (value === ARRAY) return undefined;
      values.push(value);
    }
    return { values, id: doc._id, idKey };
  }
}

const ARRAY: unique symbol = Symbol('array on the path');

/** The value at a path as a sort or an equality sees it (missing is null), or ARRAY when it meets one. */
function valueAt(doc: Doc, parts: string[]): Value {
  let current: Value = doc;
  for (const part of parts) {
    if (Array.isArray(current)) return ARRAY;
    current = isPlainObject(current) ? current[part] : undefined;
  }
  if (Array.isArray(current)) return ARRAY;
  return current === undefined ? null : current;
}

/** An equality whose matches, among documents without arrays on the path, compare equal to it. */
function isOrderableEquality(value: Value): boolean {
  if (Array.isArray(value) || isRegex(value)) return false;
  if (isPlainObject(value)) return !Object.keys(value).some((key) => key.startsWith('$'));
  return true;
}
