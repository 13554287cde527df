import { createHash } from 'node:crypto';
import { isDuplicateKeyError } from '@ticketing/common';
import type { ClientSession } from 'mongoose';
import type { MailSettings } from './config';
import { renderEmail, type EmailContent } from './emails/render';
import type { NotificationMetrics } from './metrics';
import { Email, EmailStatus, SkipReason, type EmailKind, type EmailRecord } from './models/email';
import { findPreferences, type Preferences } from './models/preferences';

/** What the listeners record emails with. */
export interface NotificationDependencies {
  settings: MailSettings;
  metrics: NotificationMetrics;
}

/** Event ids as our publishers make them (ObjectIds, UUIDs) can be used as they are in record ids and Message-IDs. */
const PLAIN_EVENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** What eventIdOf reads of a JetStream message (a JsMsg, as listeners receive it). */
export interface DeliveredMessage {
  headers?: { get(name: string): string };
  /** The message's sequence in the stream. */
  seq: number;
}

/**
 * The id of the event `msg` carries: its `Nats-Msg-Id`, which every redelivery and replay of the
 * event keeps. An id that could not go into a Message-ID as it is goes as its SHA-256; a message
 * published without one (never by our publishers) is known by its stream sequence, which its
 * redeliveries keep too.
 */
export function eventIdOf(msg: DeliveredMessage): string {
  const header = msg.headers?.get('Nats-Msg-Id');
  if (!header) return `seq-${msg.seq}`;
  return PLAIN_EVENT_ID.test(header) ? header : createHash('sha256').update(header).digest('hex');
}

/** The one record of `kind` for the event: also the local part of its Message-ID. */
export function emailRecordId(eventId: string, kind: EmailKind): string {
  return `${eventId}.${kind}`;
}

export interface EmailRequest {
  eventId: string;
  eventSubject: string;
  kind: EmailKind;
  userId: string;
  to: string;
  content: EmailContent;
  /** For a non-essential email: the preference that must be on for it to be sent. */
  preference?: keyof Preferences;
  /** Recorded as skipped whatever the preferences say. */
  skipReason?: SkipReason;
}

/**
 * The record of an email as it is to be stored: pending and rendered, or skipped (the recipient's
 * preference is read now, when the event is handled, so a later change does not reach back).
 */
export async function prepareEmail(request: EmailRequest, settings: MailSettings): Promise<EmailRecord> {
  const now = new Date();
  const base = {
    _id: emailRecordId(request.eventId, request.kind),
    kind: request.kind,
    eventId: request.eventId,
    eventSubject: request.eventSubject,
    userId: request.userId,
    to: request.to,
    attempts: 0,
    createdAt: now,
  };
  const skipReason =
    request.skipReason ??
    (request.preference && !(await findPreferences(request.userId))[request.preference]
      ? SkipReason.Preference
      : undefined);
  if (skipReason) return { ...base, status: EmailStatus.Skipped, skipReason };
  const rendered = await renderEmail(request.content, settings);
  return { ...base, status: EmailStatus.Pending, ...rendered, nextAttemptAt: now };
}

/**
 * Stores the record unless the event's email of that kind exists already (a redelivered event);
 * true if this call stored it.
 */
export async function insertEmail(record: EmailRecord, session?: ClientSession): Promise<boolean> {
  const { _id, ...fields } = record;
  try {
    const result = await Email.updateOne({ _id }, { $setOnInsert: fields }, { upsert: true, session });
    return result.upsertedCount === 1;
  } catch (err) {
    // Two deliveries of one event at once (a redelivery after the ack wait): the other stored it.
    // Inside a transaction the error aborts it instead, and the transaction is retried.
    if (!session && isDuplicateKeyError(err)) return false;
    throw err;
  }
}

/** Counts a record this handling stored (once committed): a skipped email is final already. */
export function countRecorded(metrics: NotificationMetrics, record: EmailRecord, inserted: boolean): void {
  if (inserted && record.status === EmailStatus.Skipped) metrics.email(record.kind, 'skipped');
}

/** Prepares and stores one email (outside any transaction); true if this call stored it. */
export async function recordEmail(request: EmailRequest, deps: NotificationDependencies): Promise<boolean> {
  if (await Email.exists({ _id: emailRecordId(request.eventId, request.kind) })) return false;
  const record = await prepareEmail(request, deps.settings);
  const inserted = await insertEmail(record);
  countRecorded(deps.metrics, record, inserted);
  return inserted;
}
