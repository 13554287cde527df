/**
 * Exponential backoff: `baseMs` before the first retry, twice as long before each next one,
 * never longer than `maxMs`. `attempt` counts from 1.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** (attempt - 1), maxMs);
}
