import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { SMTPServer, type SMTPServerError } from 'smtp-server';
import type { Envelope } from './parse-message';

/** An SMTP reply that refuses a message, e.g. `{ code: 451, message: 'Try again later' }`. */
export interface SmtpReply {
  code: number;
  message: string;
}

export interface SmtpReceiverOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  /** Stores one message; what it resolves with ends the server's 250 reply. */
  receive(raw: Buffer, envelope: Envelope): Promise<string>;
  /** While this gives a reply, every recipient and every message is refused with it. */
  refusal(): SmtpReply | undefined;
  log(message: string): void;
}

export interface SmtpReceiver {
  port: number;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;

/**
 * An SMTP server on loopback that takes every message, from anyone to anyone: plain text only
 * (STARTTLS neither offered nor accepted) and no authentication, so any client configured with
 * just `smtp://host:port` sends to it without being asked for more.
 */
export async function startSmtpReceiver(options: SmtpReceiverOptions): Promise<SmtpReceiver> {
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    banner: 'Ticketing mail sink: every message is kept, none is delivered',
    size: MAX_MESSAGE_BYTES,
    rejectOversized: true,
    // A client that vanished without QUIT must not hold up close() for the default 30 s.
    closeTimeout: 1_000,
    onRcptTo(_address, _session, callback) {
      callback(refusalError(options.refusal()));
    },
    onData(stream, session, callback) {
      readAll(stream)
        .then(async (raw) => {
          const refusal = refusalError(options.refusal());
          if (refusal) return callback(refusal);
          if (stream.sizeExceeded) return callback();
          const envelope: Envelope = {
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcptTo: session.envelope.rcptTo.map((recipient) => recipient.address),
          };
          callback(null, await options.receive(raw, envelope));
        })
        .catch((error: Error) => {
          options.log(`a message could not be stored: ${error.message}`);
          callback(smtpError(451, 'The message could not be stored; try again later'));
        });
    },
  });
  server.on('error', (error) => options.log(`SMTP: ${error.message}`));

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function refusalError(reply: SmtpReply | undefined): SMTPServerError | null {
  return reply ? smtpError(reply.code, reply.message) : null;
}

function smtpError(code: number, message: string): SMTPServerError {
  const error: SMTPServerError = new Error(message);
  error.responseCode = code;
  return error;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
