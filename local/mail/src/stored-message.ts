/** One message the sink received, as stored (one JSON file each) and as the JSON listing gives it. */
export interface StoredMessage {
  /** Assigned by the sink on arrival: URL-safe, and sorting the ids sorts the messages by arrival. */
  id: string;
  /** The Message-ID header, angle brackets included, as the sender's `messageId` gives it. */
  messageId: string | null;
  /** The sender's address only, from the From header (the envelope's MAIL FROM if it has none). */
  from: string;
  /** The envelope recipients (RCPT TO), lowercased. */
  to: string[];
  subject: string;
  /** The plain-text part; '' if there is none. */
  text: string;
  /** The HTML part; '' if there is none. */
  html: string;
  /** ISO 8601 time of arrival. */
  receivedAt: string;
}

/** Whether a value read from a file has every field of a StoredMessage, each of the right type. */
export function isStoredMessage(value: unknown): value is StoredMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  return (
    typeof message.id === 'string' &&
    (message.messageId === null || typeof message.messageId === 'string') &&
    typeof message.from === 'string' &&
    Array.isArray(message.to) &&
    message.to.every((address) => typeof address === 'string') &&
    typeof message.subject === 'string' &&
    typeof message.text === 'string' &&
    typeof message.html === 'string' &&
    typeof message.receivedAt === 'string'
  );
}
