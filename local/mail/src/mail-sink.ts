import type { IncomingMessage, ServerResponse } from 'node:http';
import { inboxHandler } from './inbox-handler';
import { MessageIds } from './ids';
import { MessageStore } from './message-store';
import { parseMessage } from './parse-message';
import { isSentTo } from './recipients';
import { startSmtpReceiver, type SmtpReply } from './smtp';
import type { StoredMessage } from './stored-message';

export interface MailSinkOptions {
  /** Where the messages are kept, one JSON file each; created if missing. */
  dataDir: string;
  /** The SMTP port on 127.0.0.1; 0 (the default): any free port. */
  smtpPort?: number;
  /** Told about each message received and about anything that went wrong; silent by default. */
  logger?: (message: string) => void;
}

export interface MailSink {
  smtpPort: number;
  smtpHost: '127.0.0.1';
  /** `smtp://127.0.0.1:<port>`: what a sender such as nodemailer is configured with. */
  smtpUrl: string;
  /** HTTP handler for /mail (inbox page), /mail/messages/:id (one message), /mail/api/messages?to= (JSON). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Every message received, or only those sent to `to` (any case), newest first. */
  messages(filter?: { to?: string }): Promise<StoredMessage[]>;
  /** Test hook: refuse every message with this SMTP reply until cleared (simulates 4xx/5xx). */
  failWith(reply: SmtpReply | undefined): void;
  close(): Promise<void>;
}

const SMTP_HOST = '127.0.0.1';

/**
 * A mail sink for tests and the one-machine stack: an SMTP server on loopback that accepts every
 * message and keeps it under `dataDir` (see MessageStore), and the HTTP handler of an inbox to read
 * them. Nothing is ever delivered anywhere.
 */
export async function startMailSink(options: MailSinkOptions): Promise<MailSink> {
  const log = options.logger ?? (() => undefined);
  const store = await MessageStore.open(options.dataDir, log);
  const ids = new MessageIds();
  let refusal: SmtpReply | undefined;

  const smtp = await startSmtpReceiver({
    host: SMTP_HOST,
    port: options.smtpPort ?? 0,
    refusal: () => refusal,
    log,
    receive: async (raw, envelope) => {
      const receivedAt = new Date();
      const message = await parseMessage(raw, envelope, { id: ids.next(receivedAt.getTime()), receivedAt });
      await store.save(message);
      log(`received ${message.id} to ${message.to.join(', ')}: ${JSON.stringify(message.subject)}`);
      return `Message kept as ${message.id}`;
    },
  });
  const smtpUrl = `smtp://${SMTP_HOST}:${smtp.port}`;

  return {
    smtpPort: smtp.port,
    smtpHost: SMTP_HOST,
    smtpUrl,
    handle: inboxHandler({ store, smtpUrl }, log),
    messages: async (filter = {}) => {
      const messages = await store.list();
      const { to } = filter;
      return to === undefined ? messages : messages.filter((message) => isSentTo(message, to));
    },
    failWith: (reply) => {
      if (reply && !(Number.isInteger(reply.code) && reply.code >= 400 && reply.code <= 599)) {
        throw new RangeError(`failWith takes an SMTP error code from 400 to 599, got ${reply.code}`);
      }
      refusal = reply;
    },
    close: () => smtp.close(),
  };
}
