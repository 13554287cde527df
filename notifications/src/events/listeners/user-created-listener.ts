import {
  insertReplicaIfAbsent,
  Listener,
  Subjects,
  type Bus,
  type ListenerOptions,
  type UserCreatedEvent,
} from '@ticketing/common';
import { welcomeEmail } from '../../emails/welcome';
import { Email, EmailKind, SkipReason } from '../../models/email';
import { User } from '../../models/user';
import {
  countRecorded,
  emailRecordId,
  eventIdOf,
  insertEmail,
  prepareEmail,
  type DeliveredMessage,
  type NotificationDependencies,
} from '../../record-email';

/**
 * Accounts older than this when their user.created is handled get no welcome: auth's backfill
 * announces accounts made long before, whose owners were welcomed (or not) back then.
 */
export const WELCOME_MAX_ACCOUNT_AGE_MS = 7 * 24 * 60 * 60_000;

/** Keeps the account's address (where its emails go) and records its welcome, in one transaction. */
export class UserCreatedListener extends Listener<UserCreatedEvent> {
  readonly subject = Subjects.UserCreated;

  constructor(
    bus: Bus,
    options: ListenerOptions,
    private readonly deps: NotificationDependencies,
  ) {
    super(bus, options);
  }

  async onMessage(data: UserCreatedEvent['data'], msg: DeliveredMessage): Promise<void> {
    const eventId = eventIdOf(msg);
    // Copy and welcome commit together: the record's presence says both are done.
    if (await Email.exists({ _id: emailRecordId(eventId, EmailKind.Welcome) })) return;
    const oldAccount = Date.now() - Date.parse(data.createdAt) > WELCOME_MAX_ACCOUNT_AGE_MS;
    const record = await prepareEmail(
      {
        eventId,
        eventSubject: this.subject,
        kind: EmailKind.Welcome,
        userId: data.id,
        to: data.email,
        content: welcomeEmail({ email: data.email }, this.deps.settings),
        preference: 'welcome',
        skipReason: oldAccount ? SkipReason.OldAccount : undefined,
      },
      this.deps.settings,
    );
    let inserted = false;
    await User.db.transaction(async (session) => {
      await insertReplicaIfAbsent(User, data.id, { email: data.email }, session);
      inserted = await insertEmail(record, session);
    });
    countRecorded(this.deps.metrics, record, inserted);
  }
}
