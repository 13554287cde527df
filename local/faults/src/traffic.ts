import { randomBytes } from 'node:crypto';
import type { JwtPrivateKey } from '@ticketing/common';
import { signin } from '@ticketing/common/testing';

/** A request that got no answer at all (the connection dropped): status 0. */
export const NO_ANSWER = 0;

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/**
 * What a scenario sent: every request, the answers with a 5xx status, and the requests that got no
 * answer (a process killed while handling them). An answer is the system accepting a request or
 * refusing it; a 5xx or no answer is neither, and scenarios without crashes allow none.
 */
export class TrafficLog {
  requests = 0;
  readonly serverErrors: string[] = [];
  readonly unanswered: string[] = [];

  record(request: string, status: number, body: unknown): void {
    this.requests += 1;
    if (status === NO_ANSWER) this.unanswered.push(request);
    else if (status >= 500) this.serverErrors.push(`${request} answered ${status} ${JSON.stringify(body)}`);
  }
}

/** A signed-in user of the API, reaching the system through the gateway only, as a browser does. */
export class ApiUser {
  readonly id = randomBytes(12).toString('hex');
  private readonly cookie: string;

  constructor(
    private readonly baseUrl: string,
    signingKey: JwtPrivateKey,
    private readonly log: TrafficLog,
  ) {
    this.cookie = signin({ id: this.id, email: `${this.id}@faults.test`, signingKey }).join('; ');
  }

  /** The JSON body is taken to be a T without checking: the scenario checks what it uses. */
  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const request = `${method} ${path}`;
    let answer: Answer<T>;
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { cookie: this.cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      answer = { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
    } catch {
      answer = { status: NO_ANSWER, body: {} as T };
    }
    this.log.record(request, answer.status, answer.body);
    return answer;
  }
}

/** Runs `work` on every item with at most `concurrency` in flight, like a crowd arriving at once. */
export async function inParallel<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
