import { StripeApiError } from './errors';

interface SavedResponse {
  /** Method, path and canonical parameters of the first request. */
  fingerprint: string;
  statusCode: number;
  body: string;
  savedAt: number;
}

export type IdempotencyLookup = { kind: 'new' } | { kind: 'replay'; statusCode: number; body: string };

// Stripe keeps idempotency keys for at least 24 hours.
const KEY_LIFETIME_MS = 24 * 60 * 60_000;
const MAX_KEY_LENGTH = 255;

/**
 * Stripe's idempotent requests: the first response to a key is kept; the same key with the same
 * request gets that response again, the same key with another request is an idempotency_error.
 */
export class IdempotencyStore {
  private readonly responses = new Map<string, SavedResponse>();

  lookup(key: string, fingerprint: string): IdempotencyLookup {
    if (key.length > MAX_KEY_LENGTH) {
      throw new StripeApiError(400, {
        type: 'invalid_request_error',
        message: `Invalid idempotency key: must be at most ${MAX_KEY_LENGTH} characters long.`,
      });
    }
    const saved = this.responses.get(key);
    if (!saved || Date.now() - saved.savedAt > KEY_LIFETIME_MS) return { kind: 'new' };
    if (saved.fingerprint !== fingerprint) {
      throw new StripeApiError(400, {
        type: 'idempotency_error',
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      });
    }
    return { kind: 'replay', statusCode: saved.statusCode, body: saved.body };
  }

  /**
   * Keeps a response once the endpoint has run (a result or a card error); requests refused
   * before running (bad parameters, authentication) are not saved, as on Stripe.
   */
  save(key: string, fingerprint: string, statusCode: number, body: string): void {
    if (statusCode >= 300 && statusCode !== 402) return;
    this.responses.set(key, { fingerprint, statusCode, body, savedAt: Date.now() });
  }
}
