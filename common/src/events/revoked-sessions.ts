import { Kvm, type KV } from '@nats-io/kv';
import type { Bus } from './bus';

/** The JetStream key-value bucket of signed-out sessions: key the session id (`sid`), value its last token's expiry. */
export const REVOKED_SESSIONS_BUCKET = 'revoked-sessions';

/**
 * How long the bucket keeps a revocation, and so the longest a session token may live (auth's
 * JWT_EXPIRES_IN is capped at it): every token of a revoked session expires before it is forgotten.
 */
export const MAX_SESSION_TTL_SECONDS = 24 * 60 * 60;

// Forgotten revocations are pruned from memory at most this often.
const PRUNE_INTERVAL_MS = 60_000;

/** What currentUser asks: whether a session was signed out. Answered from memory, synchronously. */
export interface RevocationList {
  isRevoked(sessionId: string): boolean;
}

/**
 * Signed-out sessions, kept in memory and current by watching the bucket, so every replica of every
 * service refuses a session within moments of its sign-out without a call per request.
 */
export class RevokedSessions implements RevocationList {
  /** Session id to the expiry (seconds since the epoch) of its last token. */
  private readonly expiries = new Map<string, number>();
  private lastPrune = Date.now();
  private watching = true;

  private constructor(
    private readonly kv: KV,
    private readonly watcher: Awaited<ReturnType<KV['watch']>>,
  ) {}

  /**
   * Opens the bucket (creating it the first time) and resolves once every revocation already in it
   * is known; from then on the set follows the bucket until stop().
   */
  static async watch(bus: Bus): Promise<RevokedSessions> {
    const kv = await new Kvm(bus.js).create(REVOKED_SESSIONS_BUCKET, {
      history: 1,
      ttl: MAX_SESSION_TTL_SECONDS * 1000,
    });
    const emptyAtStart = (await kv.status()).values === 0;
    const watcher = await kv.watch();
    const revoked = new RevokedSessions(kv, watcher);
    await new Promise<void>((caughtUp) => {
      if (emptyAtStart) caughtUp();
      void (async () => {
        try {
          for await (const entry of watcher) {
            if (entry.operation === 'PUT') revoked.remember(entry.key, Number(entry.string()));
            // The last of the values stored before the watch (or a newer one): every earlier revocation is known.
            if (entry.isUpdate || entry.delta === 0) caughtUp();
          }
        } catch (err) {
          bus.logger.error({ err }, 'watching revoked sessions failed: sign-outs are no longer seen');
        } finally {
          revoked.watching = false;
        }
      })();
    });
    return revoked;
  }

  /** False once the watch has ended (stopped, or failed): sign-outs made since are not known here. */
  isWatching(): boolean {
    return this.watching;
  }

  isRevoked(sessionId: string): boolean {
    const expiry = this.expiries.get(sessionId);
    return expiry !== undefined && expiry > Date.now() / 1000;
  }

  /** Signs the session out everywhere: its tokens, up to the last one expiring at `expiresAt` (seconds). */
  async revoke(sessionId: string, expiresAt: number): Promise<void> {
    await this.kv.put(sessionId, String(expiresAt));
    this.remember(sessionId, expiresAt);
  }

  stop(): void {
    this.watcher.stop();
  }

  private remember(sessionId: string, expiresAt: number): void {
    this.expiries.set(sessionId, expiresAt);
    if (Date.now() - this.lastPrune < PRUNE_INTERVAL_MS) return;
    this.lastPrune = Date.now();
    const now = Date.now() / 1000;
    for (const [id, expiry] of this.expiries) if (expiry <= now) this.expiries.delete(id);
  }
}
