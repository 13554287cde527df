import type { ServerResponse } from 'node:http';

/**
 * A service's long-lived responses (server-sent event streams), ended by the shutdown sequence
 * before the HTTP server closes. Closing the server waits for every response to finish and a
 * stream never finishes by itself, so a replica holding one would wait out the shutdown timeout
 * and exit 1; ended instead, the stream's EventSource reconnects, to a replica that is still up.
 */
export class LiveStreams {
  private readonly open = new Set<ServerResponse>();
  private closing = false;

  /** Registers an open stream; returns the function that unregisters it once it has ended. */
  add(res: ServerResponse): () => void {
    // Once shutdown has begun, a stream started now would hold the server open all the same.
    if (this.closing) res.end();
    else this.open.add(res);
    return () => {
      this.open.delete(res);
    };
  }

  /** Ends every open stream, and from now on every stream as soon as it is added. */
  closeAll(): void {
    this.closing = true;
    for (const res of this.open) res.end();
  }
}
