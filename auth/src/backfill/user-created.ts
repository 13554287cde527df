import { Subjects, type Outbox } from '@ticketing/common';
import type { Types } from 'mongoose';
import { User } from '../models/user';

const PAGE_SIZE = 500;
/** An account no user.created has announced yet. */
const unannounced = { createdEventId: { $exists: false } };

export interface UserCreatedBackfill {
  /** Accounts whose user.created this run recorded. */
  recorded: number;
  /** Accounts already announced (by sign-up, an earlier run, or a run racing this one), left alone. */
  alreadyAnnounced: number;
}

/** Thrown inside a transaction to abort it: the account was announced meanwhile. */
class AlreadyAnnounced extends Error {}

/**
 * Records a `user.created` outbox record for every account that has none: the accounts made before
 * sign-up announced them. Each account is marked with its event id in the transaction that records
 * the event, so a second run (or two at once) records nothing twice. The outbox publishes each
 * event after its commit when it has a bus, and its relay whatever is left.
 */
export async function backfillUserCreated(outbox: Outbox): Promise<UserCreatedBackfill> {
  let recorded = 0;
  let after: Types.ObjectId | undefined;
  for (;;) {
    // A page of ids at a time, in id order: memory stays bounded however many accounts there are.
    const page = await User.find({ ...unannounced, ...(after ? { _id: { $gt: after } } : {}) })
      .select('_id')
      .sort({ _id: 1 })
      .limit(PAGE_SIZE)
      .lean();
    if (page.length === 0) break;
    after = page[page.length - 1]._id;
    for (const { _id: id } of page) {
      if (await announce(outbox, id)) recorded += 1;
    }
  }
  const alreadyAnnounced = (await User.countDocuments()) - recorded;
  return { recorded, alreadyAnnounced };
}

/** Records the account's user.created and marks it, unless it was announced meanwhile; true if recorded. */
async function announce(outbox: Outbox, id: Types.ObjectId): Promise<boolean> {
  try {
    await outbox.transaction(async (session, record) => {
      const user = await User.findOne({ _id: id, ...unannounced }).session(session);
      if (!user) throw new AlreadyAnnounced();
      const eventId = record(Subjects.UserCreated, user.createdEventData());
      const marked = await User.updateOne(
        { _id: id, ...unannounced },
        { $set: { createdEventId: eventId } },
        { session },
      );
      if (marked.modifiedCount !== 1) throw new AlreadyAnnounced();
    });
    return true;
  } catch (err) {
    if (err instanceof AlreadyAnnounced) return false;
    throw err;
  }
}
