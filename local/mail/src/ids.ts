import { randomBytes } from 'node:crypto';

/** `<milliseconds since 1970, 13 digits>-<sequence within that millisecond, 4 digits>-<8 random hex digits>`. */
export const MESSAGE_ID_PATTERN = /^\d{13}-\d{4}-[0-9a-f]{8}$/;

const SEQUENCE_LIMIT = 10_000;

/**
 * Makes message ids that sort as the messages arrived: the time first, then a sequence for messages
 * of the same millisecond. The random part keeps two sinks sharing a directory (a test's and a
 * restarted launcher's) from ever writing the same file.
 */
export class MessageIds {
  private lastTime = 0;
  private sequence = 0;

  next(now: number): string {
    // A clock set back must not sort a new message before an older one.
    let time = Math.max(now, this.lastTime);
    if (time === this.lastTime) {
      this.sequence += 1;
      if (this.sequence === SEQUENCE_LIMIT) {
        time += 1;
        this.sequence = 0;
      }
    } else {
      this.sequence = 0;
    }
    this.lastTime = time;
    const sequence = String(this.sequence).padStart(4, '0');
    return `${String(time).padStart(13, '0')}-${sequence}-${randomBytes(4).toString('hex')}`;
  }
}
