import { Binary, Decimal128, deserialize, Double, Long, ObjectId, Timestamp } from 'bson';

/** A stored document. Stored documents are immutable: writes always build a new one. */
export type Doc = Record<string, unknown>;

/** A path that does not exist in a document (different from an explicit null). */
export const MISSING: unique symbol = Symbol('missing');
export type Value = unknown;

export function bsonTypeOf(value: Value): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  return (value as { _bsontype?: string })._bsontype;
}

export function isPlainObject(value: Value): value is Doc {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  if (value instanceof Date || value instanceof RegExp) return false;
  return bsonTypeOf(value) === undefined;
}

export function isNumeric(value: Value): boolean {
  if (typeof value === 'number') return true;
  const type = bsonTypeOf(value);
  return type === 'Long' || type === 'Decimal128' || type === 'Int32' || type === 'Double';
}

export function toNumber(value: Value): number {
  if (typeof value === 'number') return value;
  switch (bsonTypeOf(value)) {
    case 'Long':
      return (value as Long).toNumber();
    case 'Decimal128':
      return Number((value as Decimal128).toString());
    case 'Int32':
    case 'Double':
      return (value as { valueOf(): number }).valueOf();
    default:
      return NaN;
  }
}

export function isRegex(value: Value): value is RegExp | { pattern: string; options: string } {
  return value instanceof RegExp || bsonTypeOf(value) === 'BSONRegExp';
}

export function toRegExp(value: RegExp | { pattern: string; options: string }): RegExp {
  if (value instanceof RegExp) return value;
  const flags = value.options.replace(/[^imsu]/g, '');
  return new RegExp(value.pattern, flags);
}

/**
 * MongoDB's canonical type order: MinKey < null < numbers < strings < objects < arrays
 * < binary < ObjectId < booleans < dates < timestamps < regexes < MaxKey.
 */
export function typeRank(value: Value | typeof MISSING): number {
  if (value === MISSING || value === null || value === undefined) return 2;
  if (typeof value === 'number') return 3;
  if (typeof value === 'string') return 4;
  if (typeof value === 'boolean') return 9;
  if (Array.isArray(value)) return 6;
  if (value instanceof Date) return 10;
  if (value instanceof RegExp) return 12;
  switch (bsonTypeOf(value)) {
    case undefined:
      return 5;
    case 'MinKey':
      return 1;
    case 'Long':
    case 'Decimal128':
    case 'Int32':
    case 'Double':
      return 3;
    case 'BSONSymbol':
      return 4;
    case 'Binary':
      return 7;
    case 'ObjectId':
      return 8;
    case 'Timestamp':
      return 11;
    case 'BSONRegExp':
      return 12;
    case 'MaxKey':
      return 13;
    default:
      return 5;
  }
}

/** An integral number as a BigInt, so that longs beyond 2^53 compare exactly. */
function exactInteger(value: Value): bigint | undefined {
  if (bsonTypeOf(value) === 'Long') return BigInt((value as Long).toString());
  const n = toNumber(value);
  return bsonTypeOf(value) !== 'Decimal128' && Number.isInteger(n) ? BigInt(n) : undefined;
}

function compareNumbers(a: Value, b: Value): number {
  if (bsonTypeOf(a) === 'Long' || bsonTypeOf(b) === 'Long') {
    const x = exactInteger(a);
    const y = exactInteger(b);
    if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = toNumber(a);
  const y = toNumber(b);
  if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : -1;
  if (Number.isNaN(y)) return 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Total order over BSON values, as MongoDB sorts and compares them. */
export function compareValues(a: Value, b: Value): number {
  const rankA = typeRank(a);
  const rankB = typeRank(b);
  if (rankA !== rankB) return rankA - rankB;
  switch (rankA) {
    case 1:
    case 2:
    case 13:
      return 0;
    case 3:
      return compareNumbers(a, b);
    case 4: {
      const x = String(a);
      const y = String(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 5:
      return compareObjects(a as Doc, b as Doc);
    case 6: {
      const x = a as Value[];
      const y = b as Value[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compareValues(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    case 7: {
      const x = a as Binary;
      const y = b as Binary;
      if (x.length() !== y.length()) return x.length() - y.length();
      if (x.sub_type !== y.sub_type) return x.sub_type - y.sub_type;
      return sign(Buffer.compare(Buffer.from(x.buffer), Buffer.from(y.buffer)));
    }
    case 8: {
      // The 12 bytes in order, as their hex strings would compare, without building them.
      const x = (a as ObjectId).id;
      const y = (b as ObjectId).id;
      for (let i = 0; i < 12; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
      return 0;
    }
    case 9:
      return Number(a) - Number(b);
    case 10:
      return sign((a as Date).getTime() - (b as Date).getTime());
    case 11:
      return (a as Timestamp).compare(b as Timestamp);
    case 12: {
      const x = regexParts(a);
      const y = regexParts(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    default:
      return 0;
  }
}

function regexParts(value: Value): string {
  if (value instanceof RegExp) return `${value.source}\u0000${value.flags}`;
  const regex = value as { pattern: string; options: string };
  return `${regex.pattern}\u0000${regex.options}`;
}

function compareObjects(a: Doc, b: Doc): number {
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  for (let i = 0; i < Math.min(keysA.length, keysB.length); i++) {
    const rank = typeRank(a[keysA[i]]) - typeRank(b[keysB[i]]);
    if (rank !== 0) return rank;
    if (keysA[i] !== keysB[i]) return keysA[i] < keysB[i] ? -1 : 1;
    const c = compareValues(a[keysA[i]], b[keysB[i]]);
    if (c !== 0) return c;
  }
  return keysA.length - keysB.length;
}

export function valuesEqual(a: Value, b: Value): boolean {
  return compareValues(a, b) === 0;
}

/**
 * A string that is equal for exactly the values MongoDB considers equal (1, 1.0, Long(1) and
 * Decimal128('1.00') share one key), used for index entries, grouping and hashed joins.
 */
export function valueKey(value: Value): string {
  if (value === MISSING || value === null || value === undefined) return 'N';
  if (typeof value === 'string') return `s${JSON.stringify(value)}`;
  if (typeof value === 'number') return numberKey(value);
  if (typeof value === 'boolean') return value ? 'T' : 'F';
  if (Array.isArray(value)) return `[${value.map(valueKey).join(',')}]`;
  if (value instanceof Date) return `d${value.getTime()}`;
  if (value instanceof RegExp) return `r${JSON.stringify(regexParts(value))}`;
  switch (bsonTypeOf(value)) {
    case undefined:
      return `{${Object.entries(value as Doc)
        .map(([k, v]) => `${JSON.stringify(k)}:${valueKey(v)}`)
        .join(',')}}`;
    case 'ObjectId':
      return `o${(value as ObjectId).toHexString()}`;
    case 'Long': {
      const long = value as Long;
      const n = long.toNumber();
      return Number.isSafeInteger(n) ? numberKey(n) : `n${long.toString()}`;
    }
    case 'Decimal128':
    case 'Int32':
    case 'Double':
      return numberKey(toNumber(value));
    case 'Binary': {
      const binary = value as Binary;
      return `x${binary.sub_type}:${Buffer.from(binary.buffer).toString('base64')}`;
    }
    case 'Timestamp':
      return `t${(value as Timestamp).toString()}`;
    case 'BSONRegExp':
      return `r${JSON.stringify(regexParts(value))}`;
    case 'BSONSymbol':
      return `s${JSON.stringify(String(value))}`;
    case 'MinKey':
      return 'm-';
    case 'MaxKey':
      return 'm+';
    default:
      return `?${JSON.stringify(value)}`;
  }
}

function numberKey(n: number): string {
  if (Number.isNaN(n)) return 'nNaN';
  return `n${Object.is(n, -0) ? 0 : n}`;
}

/** Deep copy that keeps BSON classes (immutable ones are shared, mutable ones copied). */
export function cloneValue<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(cloneValue) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  const type = bsonTypeOf(value);
  if (type === 'Binary') {
    const binary = value as unknown as Binary;
    return new Binary(Buffer.from(binary.buffer), binary.sub_type) as T;
  }
  if (type !== undefined) return value;
  if (value instanceof RegExp) return value;
  const copy: Doc = {};
  for (const [key, field] of Object.entries(value as Doc)) copy[key] = cloneValue(field);
  return copy as T;
}

export function bsonTypeName(value: Value): string {
  if (value === MISSING) return 'missing';
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 2 ** 31 ? 'int' : 'double';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (value instanceof RegExp) return 'regex';
  switch (bsonTypeOf(value)) {
    case undefined:
      return 'object';
    case 'Long':
      return 'long';
    case 'Decimal128':
      return 'decimal';
    case 'Int32':
      return 'int';
    case 'Double':
      return 'double';
    case 'ObjectId':
      return 'objectId';
    case 'Binary':
      return 'binData';
    case 'Timestamp':
      return 'timestamp';
    case 'BSONRegExp':
      return 'regex';
    case 'MinKey':
      return 'minKey';
    case 'MaxKey':
      return 'maxKey';
    case 'BSONSymbol':
      return 'symbol';
    case 'Code':
      return 'javascript';
    default:
      return 'object';
  }
}

/** Short rendering of a value for error messages, in the shell's style. */
export function formatValue(value: Value): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[ ${value.map(formatValue).join(', ')} ]`;
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  const type = bsonTypeOf(value);
  if (type === 'ObjectId') return `ObjectId('${(value as ObjectId).toHexString()}')`;
  if (type === undefined && typeof value === 'object') {
    return `{ ${Object.entries(value as Doc)
      .map(([k, v]) => `${k}: ${formatValue(v)}`)
      .join(', ')} }`;
  }
  return String(value);
}

/**
 * Decodes a BSON document keeping each number's BSON type: int32 becomes a JS number, a double
 * stays a JS number unless integral (then a `Double`, so that 3.0 is stored and returned as a double).
 */
export function decodeDocument(bytes: Uint8Array): Doc {
  const doc = deserialize(bytes, {
    promoteValues: false,
    promoteLongs: false,
    promoteBuffers: false,
    bsonRegExp: true,
  });
  return normalizeNumbers(doc) as Doc;
}

function normalizeNumbers(value: Value): Value {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = normalizeNumbers(value[i]);
    return value;
  }
  const type = bsonTypeOf(value);
  if (type === 'Int32') return (value as { value: number }).value;
  if (type === 'Double') {
    const n = (value as Double).value;
    return Number.isInteger(n) ? value : n;
  }
  if (type !== undefined || value instanceof Date) return value;
  const doc = value as Doc;
  for (const key of Object.keys(doc)) doc[key] = normalizeNumbers(doc[key]);
  return doc;
}

/** A deep copy with `Double` wrappers turned into JS numbers, for evaluation by mingo. */
export function withPlainNumbers<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(withPlainNumbers) as T;
  const type = bsonTypeOf(value);
  if (type === 'Double') return (value as unknown as Double).value as T;
  if (type !== undefined || value instanceof Date || value instanceof RegExp) return cloneValue(value);
  const copy: Doc = {};
  for (const [key, field] of Object.entries(value as Doc)) copy[key] = withPlainNumbers(field);
  return copy as T;
}

export { Decimal128, Double, Long, ObjectId };
