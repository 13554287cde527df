import mongoose, { Schema } from 'mongoose';

/** The emails the service sends, each made by one event. */
export enum EmailKind {
  Receipt = 'receipt',
  TicketSold = 'ticket-sold',
  ReservationExpired = 'reservation-expired',
  Refund = 'refund',
  Welcome = 'welcome',
}

/**
 * Where an email is: `pending` until the SMTP server accepts it (`sent`), or refuses it for good
 * (`failed`, with the server's answer); `skipped` when it is recorded but never to be sent (see
 * `skipReason`). sent, failed and skipped are final.
 */
export enum EmailStatus {
  Pending = 'pending',
  Sent = 'sent',
  Failed = 'failed',
  Skipped = 'skipped',
}

export enum SkipReason {
  /** The recipient turned this kind of email off. */
  Preference = 'preference',
  /** A welcome for an account made long before its user.created arrived (announced by auth's backfill). */
  OldAccount = 'old-account',
}

/**
 * One email per event and kind, recorded by the event's listener and sent by the email sender: the
 * record of what was (or is to be) sent, which makes sending exactly-once per event (see email-sender).
 */
export interface EmailRecord {
  /** `<event id>.<kind>`: a redelivered event finds its record instead of making a second one. */
  _id: string;
  kind: EmailKind;
  /** The event that made it (its Nats-Msg-Id) and the event's subject. */
  eventId: string;
  eventSubject: string;
  /** The recipient's account and address (as the user copy had it when recorded). */
  userId: string;
  to: string;
  status: EmailStatus;
  skipReason?: SkipReason;
  /** Rendered when recorded, so the sender sends exactly what the event said; absent when skipped. */
  subject?: string;
  html?: string;
  text?: string;
  /**
   * While pending: when it may next be claimed for sending. A claim moves it a lease ahead, so a
   * sender that crashes while holding it lets another take it once the lease ran out; a transient
   * failure moves it a backoff ahead.
   */
  nextAttemptAt?: Date;
  /** Set by each claim; only the holder of the latest claim may record the outcome. */
  claim?: string;
  /** Sending attempts so far (claims). */
  attempts: number;
  /** The last SMTP or connection error: why it is being retried, or why it failed. */
  lastError?: string;
  createdAt: Date;
  sentAt?: Date;
  failedAt?: Date;
}

const emailSchema = new Schema<EmailRecord>(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: Object.values(EmailKind), required: true },
    eventId: { type: String, required: true },
    eventSubject: { type: String, required: true },
    userId: { type: String, required: true },
    to: { type: String, required: true },
    status: { type: String, enum: Object.values(EmailStatus), required: true },
    skipReason: { type: String, enum: Object.values(SkipReason) },
    subject: { type: String },
    html: { type: String },
    text: { type: String },
    nextAttemptAt: { type: Date },
    claim: { type: String },
    attempts: { type: Number, default: 0 },
    lastError: { type: String },
    createdAt: { type: Date, required: true },
    sentAt: { type: Date },
    failedAt: { type: Date },
  },
  { collection: 'emails', versionKey: false },
);
// The sender's query: pending records due, soonest first.
emailSchema.index({ status: 1, nextAttemptAt: 1 });

export const Email = mongoose.model<EmailRecord>('Email', emailSchema);
