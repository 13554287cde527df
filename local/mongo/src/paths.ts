import { Doc, MISSING, Value, isPlainObject } from './values';

/** One value found at a path, with the index of the first array element it came through. */
export interface PathValue {
  value: Value | typeof MISSING;
  arrayIndex?: number;
}

const isIndex = (part: string) => /^\d+$/.test(part);

/**
 * Every value a query path reaches, descending into arrays the way MongoDB does:
 * `a.b` on `{ a: [{ b: 1 }, { b: 2 }] }` reaches 1 and 2.
 */
export function valuesAtPath(doc: Value, path: string): PathValue[] {
  const out: PathValue[] = [];
  collect(doc, path.split('.'), 0, out, undefined);
  return out;
}

/** `valuesAtPath` for one path, with the path split once; a top-level field is read directly. */
export function compilePath(path: string): (doc: Value) => PathValue[] {
  const parts = path.split('.');
  if (parts.length === 1) {
    return (doc) => {
      if (!isPlainObject(doc)) {
        const out: PathValue[] = [];
        collect(doc, parts, 0, out, undefined);
        return out;
      }
      const value = doc[path];
      return [{ value: value === undefined ? MISSING : value }];
    };
  }
  return (doc) => {
    const out: PathValue[] = [];
    collect(doc, parts, 0, out, undefined);
    return out;
  };
}

function collect(value: Value, parts: string[], i: number, out: PathValue[], arrayIndex: number | undefined): void {
  if (i === parts.length) {
    out.push({ value: value === undefined ? MISSING : value, arrayIndex });
    return;
  }
  const part = parts[i];
  if (Array.isArray(value)) {
    if (isIndex(part)) {
      const index = Number(part);
      if (index < value.length) collect(value[index], parts, i + 1, out, arrayIndex ?? index);
    }
    let reachedAny = false;
    value.forEach((element, index) => {
      if (isPlainObject(element)) {
        reachedAny = true;
        collect(element[part], parts, i + 1, out, arrayIndex ?? index);
      }
    });
    if (!reachedAny && !isIndex(part)) out.push({ value: MISSING, arrayIndex });
    return;
  }
  if (isPlainObject(value)) {
    collect(value[part], parts, i + 1, out, arrayIndex);
    return;
  }
  out.push({ value: MISSING, arrayIndex });
}

/** The single value at a path without array traversal (for updates and projections). */
export function getPath(doc: Value, parts: string[]): Value | typeof MISSING {
  let current: Value = doc;
  for (const part of parts) {
    if (Array.isArray(current) && isIndex(part)) current = current[Number(part)];
    else if (isPlainObject(current)) current = current[part];
    else return MISSING;
    if (current === undefined) return MISSING;
  }
  return current;
}

export class PathNotViableError extends Error {}

/** Sets a value, creating intermediate documents; `doc` must be a private copy. */
export function setPath(doc: Doc, parts: string[], value: Value): void {
  let current: Value = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i];
    let next: Value;
    if (Array.isArray(current)) {
      if (!isIndex(part))
        throw new PathNotViableError(`Cannot create field '${part}' in element {${parts[i - 1]}: [...]}`);
      next = current[Number(part)];
      if (next === undefined || next === null) {
        next = {};
        padArray(current, Number(part));
        current[Number(part)] = next;
      }
    } else if (isPlainObject(current)) {
      next = current[part];
      if (next === undefined) {
        next = {};
        current[part] = next;
      }
    } else {
      throw new PathNotViableError(`Cannot create field '${part}' in element {${parts[i - 1]}: ${String(current)}}`);
    }
    if (!isPlainObject(next) && !Array.isArray(next)) {
      throw new PathNotViableError(
        `Cannot create field '${parts[i + 1]}' in element {${part}: ${JSON.stringify(next)}}`,
      );
    }
    current = next;
  }
  const last = parts[parts.length - 1];
  if (Array.isArray(current)) {
    if (!isIndex(last)) throw new PathNotViableError(`Cannot create field '${last}' in an array`);
    padArray(current, Number(last));
    current[Number(last)] = value;
  } else {
    (current as Doc)[last] = value;
  }
}

function padArray(array: Value[], index: number): void {
  while (array.length < index) array.push(null);
}

/** Removes a field; in arrays the element becomes null, as MongoDB's $unset does. */
export function unsetPath(doc: Doc, parts: string[]): boolean {
  const parent = getPath(doc, parts.slice(0, -1));
  const last = parts[parts.length - 1];
  if (Array.isArray(parent) && isIndex(last)) {
    if (Number(last) >= parent.length) return false;
    parent[Number(last)] = null;
    return true;
  }
  if (isPlainObject(parent) && last in parent) {
    delete parent[last];
    return true;
  }
  return false;
}
