/**
 * Why the stack could not start, said in one line for a person (busy port, missing
 * binary, a server that died while starting). The CLI prints only the message.
 */
export class StackStartError extends Error {
  constructor(
    /** The component at fault, e.g. 'nats'. */
    readonly component: string,
    message: string,
  ) {
    super(message);
    this.name = 'StackStartError';
  }
}
