import { invalidRequest } from './errors';
import type { FormObject, FormValue } from './form';

/** Stripe refuses a request naming a parameter the endpoint does not take. */
export function rejectUnknownParams(params: FormObject, allowed: string[]): void {
  for (const name of Object.keys(params)) {
    if (!allowed.includes(name)) {
      throw invalidRequest(`Received unknown parameter: ${name}`, { code: 'parameter_unknown', param: name });
    }
  }
}

export function readOptionalString(params: FormObject, name: string): string | undefined {
  const value: FormValue | undefined = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') {
    throw invalidRequest(`Invalid string: ${name}`, { code: 'parameter_invalid_string', param: name });
  }
  return value;
}

export function readRequiredString(params: FormObject, name: string): string {
  const value = readOptionalString(params, name);
  if (value === undefined) {
    throw invalidRequest(`Missing required param: ${name}.`, { code: 'parameter_missing', param: name });
  }
  return value;
}

export function readBoolean(params: FormObject, name: string): boolean {
  const value = readOptionalString(params, name);
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw invalidRequest(`Invalid boolean: ${value}`, { code: 'parameter_invalid_boolean', param: name });
}

/** A positive integer amount in the currency's smallest unit, as Stripe takes every amount. */
export function readOptionalAmount(params: FormObject, name: string): number | undefined {
  const raw = readOptionalString(params, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) {
    throw invalidRequest(`Invalid integer: ${raw}`, { code: 'parameter_invalid_integer', param: name });
  }
  const amount = Number(raw);
  if (amount < 1) {
    throw invalidRequest('Invalid positive integer', { code: 'parameter_invalid_integer', param: name });
  }
  return amount;
}

export function readMetadata(params: FormObject): Record<string, string> {
  const value = params.metadata;
  if (value === undefined || value === '') return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidRequest('Invalid object', { code: 'parameter_invalid_object', param: 'metadata' });
  }
  const metadata: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') {
      throw invalidRequest(`Invalid string: metadata[${key}]`, {
        code: 'parameter_invalid_string',
        param: `metadata[${key}]`,
      });
    }
    metadata[key] = entry;
  }
  return metadata;
}

export function readStringArray(params: FormObject, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) {
    throw invalidRequest(`Invalid array: ${name}`, { code: 'parameter_invalid_array', param: name });
  }
  return value as string[];
}

/**
 * The `expand[]` parameter: which of `expandable` to return as objects instead of ids. Stripe
 * refuses a property that cannot be expanded.
 */
export function readExpand<P extends string>(params: FormObject, expandable: readonly P[]): Set<P> {
  const requested = readStringArray(params, 'expand') ?? [];
  for (const path of requested) {
    if (!(expandable as readonly string[]).includes(path)) {
      throw invalidRequest(`This property cannot be expanded (${path}).`, { param: 'expand' });
    }
  }
  return new Set(requested as P[]);
}
