import { JetStreamApiCodes, type Stream } from '@nats-io/jetstream';
import { DEAD_LETTER_STREAM, isJetStreamApiError, type Bus } from './bus';
import type { DeadLetterRecord } from './listener';

/** A dead letter as operators see it; its id is its sequence in the dead-letter stream. */
export interface DeadLetter {
  id: number;
  record: DeadLetterRecord;
}

export interface ReplayedDeadLetter {
  id: number;
  subject: string;
  /** The `Nats-Msg-Id` of the replay: new, so the stream's duplicate window cannot drop it. */
  eventId: string;
  /** Where the replay landed in the event stream. */
  streamSequence: number;
}

/** No dead letter has this id: there never was one, or it was replayed since. */
export class DeadLetterNotFoundError extends Error {
  constructor(readonly id: number) {
    super(`no dead letter ${id}`);
    this.name = 'DeadLetterNotFoundError';
  }
}

/** Every dead letter still stored, oldest first. */
export async function listDeadLetters(bus: Bus): Promise<DeadLetter[]> {
  const stream = await deadLetterStream(bus);
  const { state } = await stream.info();
  const deadLetters: DeadLetter[] = [];
  if (state.messages === 0) return deadLetters;
  // Replayed dead letters leave gaps between the first and the last sequence.
  for (let id = state.first_seq; id <= state.last_seq; id += 1) {
    const stored = await stream.getMessage({ seq: id });
    if (stored) deadLetters.push({ id, record: stored.json<DeadLetterRecord>() });
  }
  return deadLetters;
}

/** Rejects with DeadLetterNotFoundError when there is no dead letter `id`. */
export async function readDeadLetter(bus: Bus, id: number): Promise<DeadLetter> {
  return readFrom(await deadLetterStream(bus), id);
}

/**
 * Publishes the dead letter's payload again on its original subject, then removes it from the
 * dead-letter stream. Every consumer of that subject receives it, the one that dead-lettered it
 * included; consumers treat an event they have already applied as a duplicate.
 */
export async function replayDeadLetter(bus: Bus, id: number): Promise<ReplayedDeadLetter> {
  const stream = await deadLetterStream(bus);
  const { record } = await readFrom(stream, id);
  const originalId = record.eventId ?? `${record.consumer}:${record.streamSequence}`;
  // Should removing it fail, replaying it again stores no second copy: same id, same window.
  const eventId = `${originalId}:replay:${id}`;
  const ack = await bus.js.publish(record.subject, record.payload, { msgID: eventId });
  await stream.deleteMessage(id);
  return { id, subject: record.subject, eventId, streamSequence: ack.seq };
}

/** Replays every dead letter, oldest first; stops at the first that fails. */
export async function replayAllDeadLetters(bus: Bus): Promise<ReplayedDeadLetter[]> {
  const replayed: ReplayedDeadLetter[] = [];
  for (const { id } of await listDeadLetters(bus)) replayed.push(await replayDeadLetter(bus, id));
  return replayed;
}

async function deadLetterStream(bus: Bus): Promise<Stream> {
  const jsm = await bus.jetstreamManager();
  try {
    return await jsm.streams.get(DEAD_LETTER_STREAM);
  } catch (err) {
    if (!isJetStreamApiError(err, JetStreamApiCodes.StreamNotFound)) throw err;
    throw new Error(`no dead-letter stream ${DEAD_LETTER_STREAM}: no service has started on this NATS server`, {
      cause: err,
    });
  }
}

async function readFrom(stream: Stream, id: number): Promise<DeadLetter> {
  const stored = await stream.getMessage({ seq: id });
  if (!stored) throw new DeadLetterNotFoundError(id);
  return { id, record: stored.json<DeadLetterRecord>() };
}
