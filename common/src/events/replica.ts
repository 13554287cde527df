import type { ClientSession, Model } from 'mongoose';
import { EventTooEarlyError } from './errors';

export type ReplicaUpdateResult = 'applied' | 'duplicate';

/**
 * Creates a service's copy of another service's record from its creation event, unless the copy
 * is there already: a redelivered creation event, or one arriving after later versions were
 * applied, changes nothing.
 */
export async function insertReplicaIfAbsent(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any model: the copy's fields are the caller's
  model: Model<any, any, any, any, any, any>,
  id: string,
  fields: Record<string, unknown>,
  session?: ClientSession,
): Promise<void> {
  await model.updateOne({ _id: id }, { $setOnInsert: fields }, { upsert: true, session });
}

/**
 * Applies an update event to a service's copy of another service's record, in version order:
 * version n is applied only over version n-1; an older or equal version is a redelivered
 * duplicate (acked, nothing changes); a newer one means an event in between is still missing,
 * so it is left for redelivery (EventTooEarlyError). Copies converge on the owner's state
 * whatever order the events arrive in.
 */
export async function applyReplicaUpdate<T extends { version: number }>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any model whose documents carry a version
  model: Model<T, any, any, any, any, any>,
  id: string,
  version: number,
  fields: Record<string, unknown>,
  session?: ClientSession,
): Promise<ReplicaUpdateResult> {
  const updated = await model.findOneAndUpdate(
    { _id: id, version: version - 1 },
    { $set: { ...fields, version } },
    { session, returnDocument: 'after' },
  );
  if (updated) return 'applied';
  const current = (await model.findById(id, { version: 1 }, { session }).lean()) as { version: number } | null;
  if (current && current.version >= version) return 'duplicate';
  throw new EventTooEarlyError(
    current
      ? `version ${version} arrived while the copy is at ${current.version}`
      : `version ${version} of unknown record ${id}`,
  );
}
