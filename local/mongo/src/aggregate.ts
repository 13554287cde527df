import { Context } from 'mingo';
import { Aggregator } from 'mingo/aggregator';
import { evalExpr } from 'mingo/core';
import * as accumulatorOperators from 'mingo/operators/accumulator';
import * as expressionOperators from 'mingo/operators/expression';
import * as pipelineOperators from 'mingo/operators/pipeline';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import * as windowOperators from 'mingo/operators/window';
import type { Options } from 'mingo/types';
import { MongoCommandError, badValue } from './errors';
import { compileFilter, compileSort } from './matcher';
import { valuesAtPath } from './paths';
import {
  Doc,
  MISSING,
  Value,
  bsonTypeOf,
  cloneValue,
  isPlainObject,
  toNumber,
  valueKey,
  withPlainNumbers,
} from './values';

export interface PipelineContext {
  /** The documents of another collection of the same database, as the caller may see them. */
  collectionDocuments(name: string): Doc[];
  variables?: Doc;
}

/** Stages evaluated by mingo; everything that filters, orders or joins is done here with BSON semantics. */
const mingoStages = new Set([
  '$project',
  '$addFields',
  '$set',
  '$unset',
  '$group',
  '$unwind',
  '$replaceRoot',
  '$replaceWith',
  '$sortByCount',
  '$bucket',
  '$bucketAuto',
  '$facet',
  '$sample',
  '$redact',
  '$densify',
  '$fill',
  '$setWindowFields',
]);

/**
 * mingo's operators, except $toString: mingo's knows only JS values, MongoDB's also converts
 * ObjectId, Long and Decimal128. (mingo's default context would take precedence over an override.)
 */
const bsonAwareOperators = Context.init({
  accumulator: accumulatorOperators,
  pipeline: pipelineOperators,
  projection: projectionOperators,
  query: queryOperators,
  window: windowOperators,
  expression: {
    ...expressionOperators,
    $toString: (obj: unknown, expr: unknown, options: Options) => {
      const value = evalExpr(obj, expr, options);
      if (value === null || value === undefined) return null;
      if (value instanceof Date) return value.toISOString();
      if (bsonTypeOf(value) === 'ObjectId') return (value as { toHexString(): string }).toHexString();
      return String(value);
    },
  },
});

function mingoOptions(variables: Doc | undefined): Partial<Options> {
  return variables ? { context: bsonAwareOperators, variables } : { context: bsonAwareOperators };
}

export function runPipeline(input: Doc[], pipeline: Value, context: PipelineContext): Doc[] {
  if (!Array.isArray(pipeline))
    throw new MongoCommandError(14, 'TypeMismatch', "'pipeline' option must be specified as an array");
  let docs = input;
  let pending: Doc[] = [];
  const flushMingo = () => {
    if (pending.length === 0) return;
    docs = new Aggregator(pending, mingoOptions(context.variables)).run(docs.map(withPlainNumbers)) as Doc[];
    pending = [];
  };
  for (const stage of pipeline as Doc[]) {
    if (!isPlainObject(stage) || Object.keys(stage).length !== 1) {
      throw new MongoCommandError(
        40323,
        'Location40323',
        'A pipeline stage specification object must contain exactly one field.',
      );
    }
    const [name, spec] = Object.entries(stage)[0];
    if (mingoStages.has(name)) {
      pending.push(stage);
      continue;
    }
    flushMingo();
    docs = runStage(docs, name, spec, context);
  }
  flushMingo();
  return docs;
}

function runStage(docs: Doc[], name: string, spec: Value, context: PipelineContext): Doc[] {
  switch (name) {
    case '$match': {
      const { matches } = compileFilter(spec as Doc, context.variables);
      return docs.filter((doc) => matches(doc));
    }
    case '$sort': {
      const compare = compileSort(spec as Doc);
      return compare ? [...docs].sort(compare) : docs;
    }
    case '$limit':
      return docs.slice(0, toNumber(spec));
    case '$skip':
      return docs.slice(toNumber(spec));
    case '$count':
      if (typeof spec !== 'string' || spec === '' || spec.startsWith('$') || spec.includes('.')) {
        throw badValue('the count field must be a non-empty string without $ or .');
      }
      return docs.length === 0 ? [] : [{ [spec]: docs.length }];
    case '$lookup':
      return lookup(docs, spec as Doc, context);
    case '$unionWith': {
      const { coll, pipeline } =
        typeof spec === 'string' ? { coll: spec, pipeline: [] } : (spec as { coll: string; pipeline?: Doc[] });
      return [...docs, ...runPipeline(context.collectionDocuments(coll), pipeline ?? [], context)];
    }
    case '$out':
    case '$merge':
    case '$geoNear':
    case '$search':
    case '$indexStats':
    case '$collStats':
    case '$changeStream':
    case '$currentOp':
    case '$listSessions':
    case '$graphLookup':
      throw new MongoCommandError(40324, 'Location40324', `${name} is not supported by the embedded MongoDB engine`);
    default:
      throw new MongoCommandError(40324, 'Location40324', `Unrecognized pipeline stage name: '${name}'`);
  }
}

function joinValues(doc: Doc, path: string): Value[] {
  const values: Value[] = [];
  for (const { value } of valuesAtPath(doc, path)) {
    if (value === MISSING) values.push(null);
    else if (Array.isArray(value)) values.push(...value);
    else values.push(value);
  }
  return values.length > 0 ? values : [null];
}

function lookup(docs: Doc[], spec: Doc, context: PipelineContext): Doc[] {
  const { from, localField, foreignField, as } = spec as {
    from: string;
    localField?: string;
    foreignField?: string;
    as: string;
  };
  if (typeof from !== 'string' || typeof as !== 'string')
    throw new MongoCommandError(40321, 'Location40321', '$lookup needs from and as');
  const foreign = context.collectionDocuments(from);
  let byKey: Map<string, Doc[]> | undefined;
  if (localField !== undefined && foreignField !== undefined) {
    byKey = new Map();
    for (const candidate of foreign) {
      for (const key of new Set(joinValues(candidate, foreignField).map(valueKey))) {
        const list = byKey.get(key) ?? [];
        list.push(candidate);
        byKey.set(key, list);
      }
    }
  }
  return docs.map((doc) => {
    let matched = foreign;
    if (byKey) {
      const seen = new Set<Doc>();
      for (const key of joinValues(doc, localField!).map(valueKey)) for (const m of byKey.get(key) ?? []) seen.add(m);
      matched = foreign.filter((candidate) => seen.has(candidate));
    }
    if (Array.isArray(spec.pipeline)) {
      const variables = { ...context.variables, ...letVariables(doc, spec.let as Doc | undefined) };
      matched = runPipeline(matched, spec.pipeline, { ...context, variables });
    }
    return { ...doc, [as]: matched.map(cloneValue) };
  });
}

function letVariables(doc: Doc, spec: Doc | undefined): Doc {
  if (!spec || Object.keys(spec).length === 0) return {};
  const [evaluated] = new Aggregator([{ $addFields: spec }], mingoOptions(undefined)).run([
    withPlainNumbers(doc),
  ]) as Doc[];
  return Object.fromEntries(Object.keys(spec).map((name) => [name, evaluated[name]]));
}
