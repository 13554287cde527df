import { runPipeline } from './aggregate';
import { MongoCommandError, badValue } from './errors';
import { CompiledFilter, compileFilter, MatchDetails } from './matcher';
import { Doc, Value, isPlainObject, toNumber } from './values';

export type Projector = (doc: Doc) => Doc;

interface ProjectionNode {
  children: Map<string, ProjectionNode>;
  slice?: [number, number] | number;
  /** `{ field: { $elemMatch: ... } }`: the first matching element only. */
  elemMatch?: (element: Value) => boolean;
  /** `{ 'field.$': 1 }`: the element the query matched. */
  positional?: boolean;
}

/**
 * Compiles a find projection: inclusion (`{ a: 1, 'b.c': 1 }`) or exclusion (`{ a: 0 }`), `_id`
 * included unless excluded, `$slice`, `$elemMatch`, the positional `field.$` (which needs the
 * query's filter) and computed fields (aggregation expressions, evaluated like `$project`).
 */
export function compileProjection(projection: Doc | undefined, filter?: CompiledFilter): Projector | undefined {
  if (!projection || Object.keys(projection).length === 0) return undefined;
  if (Object.entries(projection).some(([, spec]) => isComputed(spec))) {
    return (doc) => runPipeline([doc], [{ $project: projection }], { collectionDocuments: () => [] })[0];
  }
  let inclusion: boolean | undefined;
  let includeId = true;
  let onlyId = true;
  let positionalPath: string | undefined;
  const root: ProjectionNode = { children: new Map() };
  const requireMode = (included: boolean, path: string) => {
    if (inclusion === undefined) inclusion = included;
    else if (inclusion !== included) {
      const code = included ? 31253 : 31254;
      throw new MongoCommandError(
        code,
        `Location${code}`,
        `Cannot do ${included ? 'inclusion' : 'exclusion'} on field ${path} in ${inclusion ? 'inclusion' : 'exclusion'} projection`,
      );
    }
  };
  for (const [path, spec] of Object.entries(projection)) {
    if (path === '_id' && !isPlainObject(spec)) {
      includeId = isTruthy(spec);
      continue;
    }
    onlyId = false;
    if (isPlainObject(spec)) {
      if ('$slice' in spec) {
        const slice = spec.$slice;
        addPath(root, path).slice = Array.isArray(slice) ? [toNumber(slice[0]), toNumber(slice[1])] : toNumber(slice);
      } else if ('$elemMatch' in spec) {
        requireMode(true, path);
        const matcher = compileFilter({ v: { $elemMatch: spec.$elemMatch } }).matches;
        addPath(root, path).elemMatch = (element) => matcher({ v: [element] });
      } else {
        throw new MongoCommandError(
          2,
          'BadValue',
          `projection operator ${Object.keys(spec)[0]} is not supported by the embedded MongoDB engine`,
        );
      }
      continue;
    }
    if (path.endsWith('.$')) {
      if (positionalPath) throw badValue('Cannot specify more than one positional projection per query.');
      if (!filter) throw badValue('positional projection needs a query');
      requireMode(true, path);
      positionalPath = path.slice(0, -2);
      addPath(root, positionalPath).positional = true;
      continue;
    }
    const included = isTruthy(spec);
    requireMode(included, path);
    addPath(root, path);
  }
  // `{ _id: 1 }` alone is an inclusion projection; `{ _id: 0 }` alone an exclusion one.
  inclusion ??= onlyId && includeId;
  if (inclusion) {
    if (includeId) addPath(root, '_id');
    return (doc) => {
      const details: MatchDetails = {};
      if (positionalPath) filter!.matches(doc, details);
      return include(doc, root, details) as Doc;
    };
  }
  if (!includeId) addPath(root, '_id');
  return (doc) => exclude(doc, root) as Doc;
}

/** An aggregation expression rather than 0/1/true/false or a `$slice`/`$elemMatch` operator. */
function isComputed(spec: Value): boolean {
  if (typeof spec === 'string') return true;
  if (!isPlainObject(spec)) return false;
  const keys = Object.keys(spec);
  return !(keys.length === 1 && (keys[0] === '$slice' || keys[0] === '$elemMatch'));
}

function isTruthy(spec: Value): boolean {
  if (typeof spec === 'boolean') return spec;
  if (spec === null) return false;
  const n = toNumber(spec);
  if (Number.isNaN(n)) throw badValue('unsupported projection value');
  return n !== 0;
}

function addPath(root: ProjectionNode, path: string): ProjectionNode {
  let node = root;
  for (const part of path.split('.')) {
    let child = node.children.get(part);
    if (!child) {
      child = { children: new Map() };
      node.children.set(part, child);
    }
    node = child;
  }
  return node;
}

function applySlice(value: Value, slice: [number, number] | number): Value {
  if (!Array.isArray(value)) return value;
  if (typeof slice === 'number') return slice >= 0 ? value.slice(0, slice) : value.slice(slice);
  const [skip, limit] = slice;
  const start = skip >= 0 ? skip : Math.max(0, value.length + skip);
  return value.slice(start, start + limit);
}

function include(value: Value, node: ProjectionNode, details: MatchDetails): Value {
  if (Array.isArray(value)) return value.filter(isPlainObject).map((element) => include(element, node, details));
  if (!isPlainObject(value)) return value;
  const out: Doc = {};
  for (const [key, field] of Object.entries(value)) {
    const child = node.children.get(key);
    if (!child) continue;
    if (child.slice !== undefined) out[key] = applySlice(field, child.slice);
    else if (child.elemMatch) {
      const match = Array.isArray(field) ? field.find(child.elemMatch) : undefined;
      if (match !== undefined) out[key] = [match];
    } else if (child.positional) {
      if (Array.isArray(field) && details.positional !== undefined && details.positional < field.length) {
        out[key] = [field[details.positional]];
      }
    } else if (child.children.size === 0) out[key] = field;
    else if (isPlainObject(field) || Array.isArray(field)) out[key] = include(field, child, details);
  }
  return out;
}

function exclude(value: Value, node: ProjectionNode): Value {
  if (Array.isArray(value)) return value.map((element) => (isPlainObject(element) ? exclude(element, node) : element));
  if (!isPlainObject(value)) return value;
  const out: Doc = {};
  for (const [key, field] of Object.entries(value)) {
    const child = node.children.get(key);
    if (!child) out[key] = field;
    else if (child.slice !== undefined) out[key] = applySlice(field, child.slice);
    else if (child.children.size > 0) out[key] = exclude(field, child);
  }
  return out;
}
