import { Decimal128, Double, Long, Timestamp } from 'bson';
import { MongoCommandError, badValue, failedToParse, typeMismatch } from './errors';
import { runPipeline } from './aggregate';
import { compileFilter } from './matcher';
import { getPath, PathNotViableError, setPath, unsetPath } from './paths';
import {
  Doc,
  MISSING,
  Value,
  bsonTypeName,
  bsonTypeOf,
  cloneValue,
  compareValues,
  formatValue,
  isNumeric,
  isPlainObject,
  toNumber,
  valuesEqual,
} from './values';

export interface UpdateContext {
  /** True when the update builds a new document for an upsert ($setOnInsert applies). */
  inserting: boolean;
  /** Array position matched by the query, for the `$` positional operator. */
  positional?: number;
  arrayFilters?: Doc[];
}

const operators = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$push',
  '$addToSet',
  '$pull',
  '$pullAll',
  '$pop',
  '$rename',
  '$setOnInsert',
  '$currentDate',
]);

export type Update = Doc | Doc[];

/** Pipeline stages an update may use; they only reshape the document. */
const updateStages = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

/** A replacement document (no operators, not a pipeline). */
export function isReplacement(update: Update): update is Doc {
  if (Array.isArray(update)) return false;
  const keys = Object.keys(update);
  return keys.length === 0 || !keys[0].startsWith('$');
}

export function validateUpdate(update: Value): asserts update is Update {
  if (Array.isArray(update)) {
    for (const stage of update) {
      const name = isPlainObject(stage) ? Object.keys(stage)[0] : undefined;
      if (!name || !updateStages.has(name)) {
        throw failedToParse(`${name ?? 'this stage'} is not allowed to be used within an update`);
      }
    }
    return;
  }
  if (!isPlainObject(update)) throw failedToParse('Update argument must be either an object or an array');
  if (isReplacement(update)) {
    for (const key of Object.keys(update)) {
      if (key.startsWith('$'))
        throw badValue(
          `The dollar ($) prefixed field '${key}' in '${key}' is not allowed in the context of an update's replacement document.`,
        );
    }
    return;
  }
  for (const [operator, fields] of Object.entries(update)) {
    if (!operators.has(operator)) {
      throw failedToParse(
        `Unknown modifier: ${operator}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    }
    if (!isPlainObject(fields))
      throw failedToParse(`Modifiers operate on fields but we found type ${bsonTypeName(fields)} instead.`);
  }
  checkConflicts(update);
}

function checkConflicts(update: Doc): void {
  const paths: string[] = [];
  for (const [operator, fields] of Object.entries(update)) {
    for (const path of Object.keys(fields as Doc)) {
      paths.push(path);
      if (operator === '$rename') paths.push(String((fields as Doc)[path]));
    }
  }
  const normalized = paths.map((path) =>
    path
      .split('.')
      .filter((p) => !p.startsWith('$'))
      .join('.'),
  );
  for (let i = 0; i < normalized.length; i++) {
    for (let j = i + 1; j < normalized.length; j++) {
      const [a, b] = [normalized[i], normalized[j]];
      if (a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`)) {
        throw new MongoCommandError(
          40,
          'ConflictingUpdateOperators',
          `Updating the path '${paths[j]}' would create a conflict at '${paths[i]}'`,
        );
      }
    }
  }
}

/** Builds the updated copy of `doc`; the stored original is never touched. */
export function applyUpdate(doc: Doc, update: Update, context: UpdateContext): Doc {
  if (Array.isArray(update)) {
    const [updated] = runPipeline([doc], update, { collectionDocuments: () => [] });
    if (doc._id !== undefined && updated._id !== undefined && !valuesEqual(updated._id, doc._id)) throw immutableId();
    return doc._id === undefined ? updated : { _id: doc._id, ...updated };
  }
  if (isReplacement(update)) {
    const replacement: Doc = { _id: doc._id };
    for (const [key, value] of Object.entries(update)) if (key !== '_id') replacement[key] = cloneValue(value);
    if ('_id' in update && doc._id !== undefined && !valuesEqual(update._id, doc._id)) throw immutableId();
    if (doc._id === undefined) replacement._id = update._id;
    if (replacement._id === undefined) delete replacement._id;
    return replacement;
  }
  const result = cloneValue(doc);
  try {
    for (const [operator, fields] of Object.entries(update)) {
      for (const [rawPath, operand] of Object.entries(fields as Doc)) {
        if (operator === '$setOnInsert' && !context.inserting) continue;
        for (const path of expandPath(result, rawPath, context)) {
          applyOperator(result, operator, path, operand, doc);
        }
      }
    }
  } catch (error) {
    if (error instanceof PathNotViableError) throw new MongoCommandError(28, 'PathNotViable', error.message);
    throw error;
  }
  if (doc._id !== undefined && !valuesEqual(result._id, doc._id)) throw immutableId();
  return result;
}

const immutableId = () =>
  new MongoCommandError(
    66,
    'ImmutableField',
    "Performing an update on the path '_id' would modify the immutable field '_id'",
  );

/** Resolves `$`, `$[]` and `$[name]` into concrete paths. */
function expandPath(doc: Doc, path: string, context: UpdateContext): string[][] {
  let paths: string[][] = [[]];
  for (const part of path.split('.')) {
    if (part === '$') {
      if (context.positional === undefined)
        throw badValue('The positional operator did not find the match needed from the query.');
      paths = paths.map((p) => [...p, String(context.positional)]);
    } else if (part.startsWith('$[')) {
      const name = part.slice(2, -1);
      const filter = name === '' ? undefined : arrayFilterFor(name, context.arrayFilters);
      paths = paths.flatMap((p) => {
        const array = getPath(doc, p);
        if (!Array.isArray(array)) return [];
        return array.flatMap((element, index) => (filter && !filter(element) ? [] : [[...p, String(index)]]));
      });
    } else {
      paths = paths.map((p) => [...p, part]);
    }
  }
  return paths;
}

function arrayFilterFor(name: string, arrayFilters: Doc[] | undefined): (element: Value) => boolean {
  const filter = arrayFilters?.find((f) => Object.keys(f).some((key) => key === name || key.startsWith(`${name}.`)));
  if (!filter) throw badValue(`No array filter found for identifier '${name}' in path`);
  const renamed: Doc = {};
  for (const [key, condition] of Object.entries(filter))
    renamed[key === name ? 'v' : `v${key.slice(name.length)}`] = condition;
  const { matches } = compileFilter(renamed);
  return (element) => matches({ v: element });
}

function applyOperator(doc: Doc, operator: string, path: string[], operand: Value, original: Doc): void {
  const current = getPath(doc, path);
  const where = path.join('.');
  switch (operator) {
    case '$set':
    case '$setOnInsert':
      setPath(doc, path, cloneValue(operand));
      return;
    case '$unset':
      unsetPath(doc, path);
      return;
    case '$inc':
    case '$mul': {
      if (!isNumeric(operand))
        throw typeMismatch(
          `Cannot ${operator === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: {${where}: ${formatValue(operand)}}`,
        );
      if (current !== MISSING && !isNumeric(current)) {
        throw typeMismatch(
          `Cannot apply ${operator} to a value of non-numeric type. {_id: ${formatValue(original._id)}} has the field '${path[path.length - 1]}' of non-numeric type ${bsonTypeName(current)}`,
        );
      }
      setPath(doc, path, arithmetic(current === MISSING ? 0 : current, operand, operator, current === MISSING));
      return;
    }
    case '$min':
    case '$max': {
      const replace =
        current === MISSING ||
        (operator === '$min' ? compareValues(operand, current) < 0 : compareValues(operand, current) > 0);
      if (replace) setPath(doc, path, cloneValue(operand));
      return;
    }
    case '$currentDate': {
      const wantsTimestamp = isPlainObject(operand) && operand.$type === 'timestamp';
      setPath(doc, path, wantsTimestamp ? Timestamp.fromNumber(Math.floor(Date.now() / 1000) * 2 ** 32) : new Date());
      return;
    }
    case '$rename': {
      if (typeof operand !== 'string')
        throw badValue(`The 'to' field for $rename must be a string: ${where}: ${formatValue(operand)}`);
      if (current === MISSING) return;
      unsetPath(doc, path);
      setPath(doc, operand.split('.'), current);
      return;
    }
    case '$push':
    case '$addToSet': {
      const array = arrayAt(current, where, original);
      const modifiers = isPlainObject(operand) && '$each' in operand ? operand : undefined;
      const items = modifiers ? (modifiers.$each as Value[]) : [operand];
      if (!Array.isArray(items))
        throw badValue(
          `The argument to $each in ${operator} must be an array but it was of type: ${bsonTypeName(items)}`,
        );
      if (operator === '$addToSet') {
        for (const item of items)
          if (!array.some((existing) => valuesEqual(existing, item))) array.push(cloneValue(item));
      } else {
        const position = modifiers?.$position !== undefined ? toNumber(modifiers.$position) : array.length;
        const at = position < 0 ? Math.max(0, array.length + position) : Math.min(position, array.length);
        array.splice(at, 0, ...items.map(cloneValue));
        if (modifiers?.$sort !== undefined) sortArray(array, modifiers.$sort);
        if (modifiers?.$slice !== undefined) {
          const slice = toNumber(modifiers.$slice);
          const kept = slice >= 0 ? array.slice(0, slice) : array.slice(Math.max(0, array.length + slice));
          array.splice(0, array.length, ...kept);
        }
      }
      setPath(doc, path, array);
      return;
    }
    case '$pull':
    case '$pullAll': {
      if (current === MISSING) return;
      if (!Array.isArray(current)) throw badValue(`Cannot apply ${operator} to a non-array value`);
      let remove: (element: Value) => boolean;
      if (operator === '$pullAll') {
        if (!Array.isArray(operand)) throw badValue('$pullAll requires an array argument');
        remove = (element) => operand.some((value) => valuesEqual(element, value));
      } else if (isPlainObject(operand)) {
        const keys = Object.keys(operand);
        const onValues = keys.length > 0 && keys[0].startsWith('$') && !['$and', '$or', '$nor'].includes(keys[0]);
        const { matches } = compileFilter(onValues ? { v: operand } : operand);
        remove = onValues
          ? (element) => matches({ v: element })
          : (element) => isPlainObject(element) && matches(element);
      } else {
        remove = (element) => valuesEqual(element, operand);
      }
      setPath(
        doc,
        path,
        current.filter((element) => !remove(element)),
      );
      return;
    }
    case '$pop': {
      if (current === MISSING) return;
      if (!Array.isArray(current))
        throw badValue(`Path '${where}' contains an element of non-array type '${bsonTypeName(current)}'`);
      const popped = [...current];
      if (toNumber(operand) === -1) popped.shift();
      else popped.pop();
      setPath(doc, path, popped);
      return;
    }
    default:
      throw failedToParse(`Unknown modifier: ${operator}`);
  }
}

function arrayAt(current: Value, where: string, original: Doc): Value[] {
  if (current === MISSING) return [];
  if (!Array.isArray(current)) {
    throw badValue(
      `The field '${where}' must be an array but is of type ${bsonTypeName(current)} in document {_id: ${formatValue(original._id)}}`,
    );
  }
  return [...current];
}

function fieldOrNull(element: Value, path: string): Value {
  const value = getPath(element, path.split('.'));
  return value === MISSING ? null : value;
}

function sortArray(array: Value[], spec: Value): void {
  if (isPlainObject(spec)) {
    const keys = Object.entries(spec);
    array.sort((a, b) => {
      for (const [path, dir] of keys) {
        const c = compareValues(fieldOrNull(a, path), fieldOrNull(b, path));
        if (c !== 0) return c * toNumber(dir);
      }
      return 0;
    });
  } else {
    const dir = toNumber(spec);
    array.sort((a, b) => compareValues(a, b) * dir);
  }
}

type NumericKind = 0 | 1 | 2 | 3;
const INT = 0;
const LONG = 1;
const DOUBLE = 2;
const DECIMAL = 3;

function numericKind(value: Value): NumericKind {
  switch (bsonTypeOf(value)) {
    case 'Decimal128':
      return DECIMAL;
    case 'Double':
      return DOUBLE;
    case 'Long':
      return LONG;
    default:
      return Number.isInteger(value) && Math.abs(value as number) < 2 ** 31 ? INT : DOUBLE;
  }
}

/**
 * Adds or multiplies with MongoDB's result types: the wider of the two operand types
 * (int < long < double < decimal), and an int result that overflows 32 bits becomes a long.
 */
function arithmetic(base: Value, operand: Value, operator: '$inc' | '$mul', baseMissing: boolean): Value {
  const kind = Math.max(numericKind(operand), baseMissing ? INT : numericKind(base));
  const result = baseMissing && operator === '$mul' ? 0 : undefined;
  if (kind === LONG) {
    if (result !== undefined) return Long.ZERO;
    const asLong = (v: Value) => (bsonTypeOf(v) === 'Long' ? (v as Long) : Long.fromNumber(toNumber(v)));
    const a = asLong(base);
    const b = asLong(operand);
    return operator === '$inc' ? a.add(b) : a.multiply(b);
  }
  const n = result ?? (operator === '$inc' ? toNumber(base) + toNumber(operand) : toNumber(base) * toNumber(operand));
  if (kind === DECIMAL) return Decimal128.fromString(String(n));
  if (kind === DOUBLE) return Number.isInteger(n) ? new Double(n) : n;
  return Math.abs(n) < 2 ** 31 ? n : Long.fromNumber(n);
}
