import type { z } from 'zod';

/**
 * Thrown by a listener's `onMessage` when the event depends on one not yet seen
 * (e.g. version n+2 before n+1). The message is redelivered later; it is not a failure.
 */
export class EventTooEarlyError extends Error {
  constructor(message = 'event arrived before the ones it depends on') {
    super(message);
    this.name = 'EventTooEarlyError';
  }
}

/** The payload of an event does not match its subject's schema. */
export class InvalidEventError extends Error {
  constructor(
    readonly subject: string,
    readonly issues: z.core.$ZodIssue[],
  ) {
    super(`invalid ${subject} event: ${issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`);
    this.name = 'InvalidEventError';
  }
}
