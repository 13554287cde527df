/**
 * A command failure as the driver expects it: `{ ok: 0, errmsg, code, codeName, errorLabels? }`.
 * Extra fields (keyPattern/keyValue for duplicate keys) are copied into the reply.
 */
export class MongoCommandError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly errorLabels: string[] = [],
  ) {
    super(message);
  }

  toReply(): Record<string, unknown> {
    const reply: Record<string, unknown> = { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName };
    Object.assign(reply, this.extra);
    if (this.errorLabels.length > 0) reply.errorLabels = this.errorLabels;
    return reply;
  }
}

export const badValue = (message: string) => new MongoCommandError(2, 'BadValue', message);
export const failedToParse = (message: string) => new MongoCommandError(9, 'FailedToParse', message);
export const typeMismatch = (message: string) => new MongoCommandError(14, 'TypeMismatch', message);
export const notSupported = (what: string) =>
  new MongoCommandError(115, 'CommandNotSupported', `${what} is not supported by the embedded MongoDB engine`);
export const writeConflict = () =>
  new MongoCommandError(
    112,
    'WriteConflict',
    'Write conflict during plan execution and yielding is disabled. :: Please retry your operation or multi-document transaction.',
    {},
    ['TransientTransactionError'],
  );
export const noSuchTransaction = (txnNumber: number, why = '') =>
  new MongoCommandError(
    251,
    'NoSuchTransaction',
    `Transaction with { txnNumber: ${txnNumber} } has been aborted${why ? `: ${why}` : ''}.`,
    {},
    ['TransientTransactionError'],
  );
