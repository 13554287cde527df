import { MongoCommandError, badValue } from './errors';
import { Doc, Value, isPlainObject, toNumber } from './values';

type Projector = (doc: Doc) => Doc;

interface ProjectionNode {
  children: Map<string, ProjectionNode>;
  slice?: [number, number] | number;
}

/**
 * Compiles a find projection: inclusion (`{ a: 1, 'b.c': 1 }`) or exclusion (`{ a: 0 }`), `_id`
 * included unless excluded, and `$slice` on arrays.
 */
export function compileProjection(projection: Doc | undefined): Projector | undefined {
  if (!projection || Object.keys(projection).length === 0) return undefined;
  let inclusion: boolean | undefined;
  let includeId = true;
  const root: ProjectionNode = { children: new Map() };
  let onlyId = true;
  for (const [path, spec] of Object.entries(projection)) {
    if (path === '_id' && !isPlainObject(spec)) {
      includeId = isTruthy(spec);
      continue;
    }
    onlyId = false;
    let included: boolean;
    if (isPlainObject(spec)) {
      if (!('$slice' in spec)) {
        throw new MongoCommandError(2, 'BadValue', `projection operator ${Object.keys(spec)[0]} is not supported by the embedded MongoDB engine`);
      }
      const slice = spec.$slice;
      addPath(root, path).slice = Array.isArray(slice) ? [toNumber(slice[0]), toNumber(slice[1])] : toNumber(slice);
      continue;
    } else if (typeof spec === 'boolean' || typeof spec === 'number' || typeof spec === 'object') {
      included = isTruthy(spec);
    } else {
      throw new MongoCommandError(2, 'BadValue', 'computed projection fields are not supported by the embedded MongoDB engine');
    }
    if (path.includes('$')) throw new MongoCommandError(2, 'BadValue', 'positional projection is not supported by the embedded MongoDB engine');
    if (inclusion === undefined) inclusion = included;
    else if (inclusion !== included) {
      throw new MongoCommandError(
        included ? 31253 : 31254,
        'Location' + (included ? '31253' : '31254'),
        `Cannot do ${included ? 'inclusion' : 'exclusion'} on field ${path} in ${inclusion ? 'inclusion' : 'exclusion'} projection`,
      );
    }
    addPath(root, path);
  }
  // `{ _id: 1 }` alone is an inclusion projection; `{ _id: 0 }` alone an exclusion one.
  inclusion ??= onlyId && includeId;
  if (inclusion) {
    if (includeId) addPath(root, '_id');
    return (doc) => include(doc, root) as Doc;
  }
  if (!includeId) addPath(root, '_id');
  return (doc) => exclude(doc, root) as Doc;
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

function include(value: Value, node: ProjectionNode): Value {
  if (Array.isArray(value)) return value.filter(isPlainObject).map((element) => include(element, node));
  if (!isPlainObject(value)) return value;
  const out: Doc = {};
  for (const [key, field] of Object.entries(value)) {
    const child = node.children.get(key);
    if (!child) continue;
    if (child.slice !== undefined) out[key] = applySlice(field, child.slice);
    else if (child.children.size === 0) out[key] = field;
    else if (isPlainObject(field) || Array.isArray(field)) out[key] = include(field, child);
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
