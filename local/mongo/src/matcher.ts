import { Query } from 'mingo';
import { badValue, MongoCommandError } from './errors';
import { Range, SortKey } from './ordered-index';
import { PathValue, compilePath, valuesAtPath } from './paths';
import {
  Doc,
  MISSING,
  Value,
  bsonTypeName,
  compareValues,
  isNumeric,
  isPlainObject,
  isRegex,
  toNumber,
  toRegExp,
  typeRank,
  valuesEqual,
  withPlainNumbers,
} from './values';

/** What a successful match learnt: the array position for the positional `$` update operator. */
export interface MatchDetails {
  positional?: number;
}

export type Matcher = (doc: Value, details?: MatchDetails) => boolean;

/**
 * A compiled filter, plus what the query planner can use: the equality and range conditions that
 * every match satisfies (those not under `$or`, `$nor` or `$not`).
 */
export interface CompiledFilter {
  matches: Matcher;
  equalities: Map<string, Value[]>;
  ranges: Map<string, Range>;
}

interface Conditions {
  equalities: Map<string, Value[]>;
  ranges: Map<string, Range>;
}

type ValueTest = (candidate: Value | typeof MISSING) => boolean;

export function compileFilter(filter: Doc | undefined, variables?: Doc): CompiledFilter {
  const conditions: Conditions = { equalities: new Map(), ranges: new Map() };
  const matches = compileDocument(filter ?? {}, variables, conditions);
  return { matches, ...conditions };
}

function compileDocument(filter: Doc, variables: Doc | undefined, conditions?: Conditions): Matcher {
  if (!isPlainObject(filter)) throw badValue('filter must be an object');
  const clauses: Matcher[] = [];
  for (const [key, condition] of Object.entries(filter)) {
    if (key.startsWith('$')) clauses.push(compileLogical(key, condition, variables, conditions));
    else clauses.push(compileField(key, condition, variables, conditions));
  }
  if (clauses.length === 1) return clauses[0];
  return (doc, details) => clauses.every((clause) => clause(doc, details));
}

function compileLogical(
  operator: string,
  condition: Value,
  variables: Doc | undefined,
  conditions?: Conditions,
): Matcher {
  switch (operator) {
    case '$and':
    case '$or':
    case '$nor': {
      if (!Array.isArray(condition) || condition.length === 0) {
        throw badValue(`${operator} argument must be a non-empty array`);
      }
      const parts = condition.map((sub) =>
        compileDocument(sub as Doc, variables, operator === '$and' ? conditions : undefined),
      );
      if (operator === '$and') return (doc, details) => parts.every((part) => part(doc, details));
      if (operator === '$or') return (doc, details) => parts.some((part) => part(doc, details));
      return (doc) => !parts.some((part) => part(doc));
    }
    case '$expr': {
      const query = new Query({ $expr: condition }, variables ? { variables } : {});
      return (doc) => query.test(withPlainNumbers(doc as Doc));
    }
    case '$comment':
      return () => true;
    case '$where':
    case '$text':
    case '$jsonSchema':
      throw new MongoCommandError(2, 'BadValue', `${operator} is not supported by the embedded MongoDB engine`);
    default:
      throw badValue(`unknown top level operator: ${operator}`);
  }
}

function isOperatorObject(condition: Value): condition is Doc {
  if (!isPlainObject(condition)) return false;
  const keys = Object.keys(condition);
  return keys.length > 0 && keys[0].startsWith('$');
}

function compileField(path: string, condition: Value, variables: Doc | undefined, conditions?: Conditions): Matcher {
  const read = compilePath(path);
  if (isOperatorObject(condition)) {
    if (conditions) {
      if ('$eq' in condition) conditions.equalities.set(path, [condition.$eq]);
      else if (Array.isArray(condition.$in)) conditions.equalities.set(path, condition.$in);
      noteRange(conditions.ranges, path, condition);
    }
    const tests = Object.entries(condition)
      .filter(([operator]) => operator !== '$options')
      .map(([operator, operand]) => compileOperator(path, operator, operand, condition, variables));
    if (tests.length === 1) {
      const [test] = tests;
      return (doc, details) => test(read(doc), details);
    }
    return (doc, details) => {
      const candidates = read(doc);
      return tests.every((test) => test(candidates, details));
    };
  }
  conditions?.equalities.set(path, [condition]);
  const test = equalityTest(condition);
  return (doc, details) => anyCandidate(read(doc), test, details, true);
}

type PathTest = (candidates: PathValue[], details?: MatchDetails) => boolean;

/** Records the bounds of `$gt`, `$gte`, `$lt`, `$lte` conditions on a path (any one bound per side will do). */
function noteRange(ranges: Map<string, Range>, path: string, condition: Doc): void {
  const range: Range = { ...ranges.get(path) };
  if ('$gt' in condition) range.lower = { value: condition.$gt, inclusive: false };
  if ('$gte' in condition) range.lower = { value: condition.$gte, inclusive: true };
  if ('$lt' in condition) range.upper = { value: condition.$lt, inclusive: false };
  if ('$lte' in condition) range.upper = { value: condition.$lte, inclusive: true };
  if (range.lower || range.upper) ranges.set(path, range);
}

/**
 * Applies a value test to each value reached by the path and, for arrays, to each element:
 * `{ tags: 'a' }` matches `{ tags: ['a', 'b'] }`.
 */
function anyCandidate(
  candidates: PathValue[],
  test: ValueTest,
  details: MatchDetails | undefined,
  intoArrays: boolean,
): boolean {
  for (const candidate of candidates) {
    if (test(candidate.value)) {
      if (details && candidate.arrayIndex !== undefined) details.positional = candidate.arrayIndex;
      return true;
    }
    if (intoArrays && Array.isArray(candidate.value)) {
      for (let i = 0; i < candidate.value.length; i++) {
        if (test(candidate.value[i])) {
          if (details) details.positional = candidate.arrayIndex ?? i;
          return true;
        }
      }
    }
  }
  return false;
}

function equalityTest(expected: Value): ValueTest {
  if (isRegex(expected)) {
    const regex = toRegExp(expected);
    return (value) =>
      (typeof value === 'string' && regex.test(value)) || (isRegex(value) && valuesEqual(value, expected));
  }
  if (expected === null) return (value) => value === MISSING || value === null || value === undefined;
  return (value) => value !== MISSING && valuesEqual(value, expected);
}

function rangeTest(expected: Value, accept: (comparison: number) => boolean): ValueTest {
  const rank = typeRank(expected);
  return (value) => value !== MISSING && typeRank(value) === rank && accept(compareValues(value, expected));
}

const rangeAccepts: Record<string, (comparison: number) => boolean> = {
  $gt: (c) => c > 0,
  $gte: (c) => c >= 0,
  $lt: (c) => c < 0,
  $lte: (c) => c <= 0,
};

function compileOperator(
  path: string,
  operator: string,
  operand: Value,
  condition: Doc,
  variables: Doc | undefined,
): PathTest {
  switch (operator) {
    case '$eq': {
      const test = equalityTest(operand);
      return (candidates, details) => anyCandidate(candidates, test, details, true);
    }
    case '$ne': {
      const test = equalityTest(operand);
      return (candidates) => !anyCandidate(candidates, test, undefined, true);
    }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      const test = rangeTest(operand, rangeAccepts[operator]);
      return (candidates, details) => anyCandidate(candidates, test, details, true);
    }
    case '$in':
    case '$nin': {
      if (!Array.isArray(operand)) throw badValue(`${operator} needs an array`);
      const tests = operand.map(equalityTest);
      const inTest: ValueTest = (value) => tests.some((test) => test(value));
      if (operator === '$in') return (candidates, details) => anyCandidate(candidates, inTest, details, true);
      return (candidates) => !anyCandidate(candidates, inTest, undefined, true);
    }
    case '$exists': {
      const wanted = Boolean(operand);
      return (candidates) => candidates.some((c) => c.value !== MISSING) === wanted;
    }
    case '$type': {
      const wanted = (Array.isArray(operand) ? operand : [operand]).map(typeAlias);
      const test: ValueTest = (value) => value !== MISSING && wanted.some((alias) => matchesType(value, alias));
      return (candidates, details) =>
        candidates.some((c) => Array.isArray(c.value) && wanted.includes('array')) ||
        anyCandidate(candidates, test, details, true);
    }
    case '$regex': {
      const regex = toRegExp(
        isRegex(operand)
          ? operand
          : { pattern: String(operand), options: typeof condition.$options === 'string' ? condition.$options : '' },
      );
      const test: ValueTest = (value) => typeof value === 'string' && regex.test(value);
      return (candidates, details) => anyCandidate(candidates, test, details, true);
    }
    case '$size': {
      if (!isNumeric(operand)) throw badValue('$size needs a number');
      const size = toNumber(operand);
      return (candidates) => candidates.some((c) => Array.isArray(c.value) && c.value.length === size);
    }
    case '$all': {
      if (!Array.isArray(operand)) throw badValue('$all needs an array');
      if (operand.length === 0) return () => false;
      const tests = operand.map((expected) =>
        isPlainObject(expected) && '$elemMatch' in expected
          ? elemMatchTest(expected.$elemMatch as Doc, variables)
          : (() => {
              const test = equalityTest(expected);
              return (candidates: PathValue[]) => anyCandidate(candidates, test, undefined, true);
            })(),
      );
      return (candidates) => tests.every((test) => test(candidates));
    }
    case '$elemMatch':
      return elemMatchTest(operand as Doc, variables);
    case '$not': {
      if (isRegex(operand)) {
        const regex = toRegExp(operand);
        return (candidates) =>
          !anyCandidate(candidates, (v) => typeof v === 'string' && regex.test(v), undefined, true);
      }
      if (!isOperatorObject(operand)) throw badValue('$not needs a regex or a document');
      const inner = compileField(path, operand, variables);
      return (candidates) => !inner(reassemble(path, candidates));
    }
    case '$mod': {
      if (!Array.isArray(operand) || operand.length !== 2)
        throw badValue('malformed mod, needs to be an array of 2 numbers');
      const [divisor, remainder] = operand.map(toNumber);
      const test: ValueTest = (value) => isNumeric(value) && Math.trunc(toNumber(value)) % divisor === remainder;
      return (candidates, details) => anyCandidate(candidates, test, details, true);
    }
    default:
      throw badValue(`unknown operator: ${operator}`);
  }
}

/** `$not` evaluates its inner expression on the same path of the same document. */
function reassemble(path: string, candidates: PathValue[]): Doc {
  const values = candidates.filter((c) => c.value !== MISSING).map((c) => c.value);
  const root: Doc = {};
  const parts = path.split('.');
  let node = root;
  parts.slice(0, -1).forEach((part) => {
    node[part] = {};
    node = node[part] as Doc;
  });
  if (values.length === 1) node[parts[parts.length - 1]] = values[0];
  else if (values.length > 1) node[parts[parts.length - 1]] = values;
  return root;
}

function elemMatchTest(filter: Doc, variables: Doc | undefined): PathTest {
  if (!isPlainObject(filter)) throw badValue('$elemMatch needs an Object');
  const onValues = isOperatorObject(filter) && !['$and', '$or', '$nor', '$expr'].includes(Object.keys(filter)[0]);
  const matchElement: (element: Value) => boolean = onValues
    ? (() => {
        const matcher = compileField('v', filter, variables);
        return (element: Value) => matcher({ v: element });
      })()
    : (() => {
        const matcher = compileDocument(filter, variables);
        return (element: Value) => isPlainObject(element) && matcher(element);
      })();
  return (candidates, details) => {
    for (const candidate of candidates) {
      if (!Array.isArray(candidate.value)) continue;
      const index = candidate.value.findIndex(matchElement);
      if (index >= 0) {
        if (details) details.positional = candidate.arrayIndex ?? index;
        return true;
      }
    }
    return false;
  };
}

const typeNumbers: Record<number, string> = {
  1: 'double',
  2: 'string',
  3: 'object',
  4: 'array',
  5: 'binData',
  7: 'objectId',
  8: 'bool',
  9: 'date',
  10: 'null',
  11: 'regex',
  16: 'int',
  17: 'timestamp',
  18: 'long',
  19: 'decimal',
  [-1]: 'minKey',
  127: 'maxKey',
};

function typeAlias(operand: Value): string {
  if (typeof operand === 'string') return operand;
  const alias = typeNumbers[toNumber(operand)];
  if (!alias) throw badValue(`Invalid numerical type code: ${String(operand)}`);
  return alias;
}

function matchesType(value: Value, alias: string): boolean {
  if (alias === 'number') return isNumeric(value);
  return bsonTypeName(value) === alias;
}

/** The keys of a sort spec; undefined for none, or for `{ $natural: ... }` alone. */
export function parseSort(spec: Doc | undefined): SortKey[] | undefined {
  if (!spec || Object.keys(spec).length === 0) return undefined;
  const keys = Object.entries(spec).map(([path, direction]) => {
    if (isPlainObject(direction))
      throw badValue(`sort by ${JSON.stringify(direction)} is not supported by the embedded MongoDB engine`);
    const dir = toNumber(direction);
    if (dir !== 1 && dir !== -1) throw badValue(`$sort key ordering must be 1 (for ascending) or -1 (for descending)`);
    return { path, dir };
  });
  if (keys.length === 1 && keys[0].path === '$natural') return undefined;
  return keys;
}

/** Sort comparator from a sort spec; arrays sort by their smallest (ascending) or largest element. */
export function compileSort(spec: Doc | undefined): ((a: Doc, b: Doc) => number) | undefined {
  const keys = parseSort(spec);
  return keys && compareBy(keys);
}

/** Comparator for the keys of a sort spec. */
export function compareBy(keys: SortKey[]): (a: Doc, b: Doc) => number {
  return (a, b) => compareKeyLists(sortKeysOf(a, keys), sortKeysOf(b, keys), keys);
}

/** Sorts items (stably) by their documents, working out each document's sort keys once. */
export function sortBy<T>(items: T[], docOf: (item: T) => Doc, keys: SortKey[]): T[] {
  const decorated = items.map((item) => ({ item, key: sortKeysOf(docOf(item), keys) }));
  decorated.sort((a, b) => compareKeyLists(a.key, b.key, keys));
  return decorated.map(({ item }) => item);
}

function sortKeysOf(doc: Doc, keys: SortKey[]): Value[] {
  return keys.map(({ path, dir }) => sortKey(doc, path, dir));
}

function compareKeyLists(a: Value[], b: Value[], keys: SortKey[]): number {
  for (let i = 0; i < keys.length; i++) {
    const c = compareSortKeys(a[i], b[i]);
    if (c !== 0) return c * keys[i].dir;
  }
  return 0;
}

/** An empty array sorts after MinKey and before null/missing. */
const EMPTY_ARRAY: unique symbol = Symbol('empty array');

function compareSortKeys(a: Value, b: Value): number {
  if (a === EMPTY_ARRAY || b === EMPTY_ARRAY) {
    if (a === b) return 0;
    const other = a === EMPTY_ARRAY ? b : a;
    const emptyFirst = typeRank(other) > 1 ? -1 : 1;
    return a === EMPTY_ARRAY ? emptyFirst : -emptyFirst;
  }
  return compareValues(a, b);
}

function sortKey(doc: Doc, path: string, dir: number): Value {
  if (!path.includes('.') && !Array.isArray(doc[path])) return doc[path] === undefined ? null : doc[path];
  const values: Value[] = [];
  let sawEmptyArray = false;
  for (const { value } of valuesAtPath(doc, path)) {
    if (value === MISSING) continue;
    if (Array.isArray(value)) {
      values.push(...value);
      sawEmptyArray ||= value.length === 0;
    } else values.push(value);
  }
  if (values.length === 0) return sawEmptyArray ? EMPTY_ARRAY : null;
  return values.reduce((best, v) => (compareValues(v, best) * dir < 0 ? v : best));
}
