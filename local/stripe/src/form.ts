import { invalidRequest } from './errors';

/** A parsed form value: Stripe's `a[b][0]=c` keys become nested objects and arrays. */
export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

// Keys that would reach Object.prototype through an assignment.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parses an `application/x-www-form-urlencoded` body (or query string) as the Stripe SDK writes it:
 * `metadata[orderId]=x&payment_method_types[0]=card`. Numeric segments make arrays.
 */
export function parseForm(encoded: string): FormObject {
  const root: FormObject = {};
  for (const [rawKey, value] of new URLSearchParams(encoded)) {
    const path = splitKey(rawKey);
    let container: FormObject | FormValue[] = root;
    path.forEach((segment, index) => {
      const last = index === path.length - 1;
      const existing: FormValue | undefined = (container as Record<string, FormValue>)[segment];
      if (last) {
        (container as Record<string, FormValue>)[segment] = value;
        return;
      }
      if (existing === undefined || typeof existing === 'string') {
        const next: FormObject | FormValue[] = /^\d+$/.test(path[index + 1]) ? [] : {};
        (container as Record<string, FormValue>)[segment] = next;
        container = next;
      } else {
        container = existing;
      }
    });
  }
  return root;
}

function splitKey(key: string): string[] {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!match) throw invalidRequest(`Invalid parameter name: ${key}`, { param: key });
  const segments = [match[1], ...[...match[2].matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1])];
  for (const segment of segments) {
    if (segment === '' || FORBIDDEN_KEYS.has(segment)) {
      throw invalidRequest(`Invalid parameter name: ${key}`, { param: key });
    }
  }
  return segments;
}

/** Same parameters in any order give the same string (idempotent requests are compared by it). */
export function canonicalForm(value: FormValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalForm).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalForm(value[key])}`).join(',')}}`;
}
