import { simpleParser } from 'mailparser';
import type { StoredMessage } from './stored-message';

export interface Envelope {
  /** MAIL FROM; '' for the null sender (`MAIL FROM:<>`). */
  mailFrom: string;
  rcptTo: string[];
}

/** A raw message as received, read into what the sink keeps of it. */
export async function parseMessage(
  raw: Buffer,
  envelope: Envelope,
  arrival: { id: string; receivedAt: Date },
): Promise<StoredMessage> {
  const parsed = await simpleParser(raw, {
    // The parts as sent: no text made from the HTML, no HTML made from the text.
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipTextLinks: true,
  });
  const from = parsed.from?.value.find((address) => address.address)?.address ?? envelope.mailFrom;
  return {
    id: arrival.id,
    messageId: parsed.messageId ?? null,
    from,
    to: envelope.rcptTo.map((address) => address.toLowerCase()),
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : '',
    receivedAt: arrival.receivedAt.toISOString(),
  };
}
