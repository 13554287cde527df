import { isDuplicateKeyError, Subjects, type EventData, type Outbox } from '@ticketing/common';
import mongoose, { HydratedDocument, Model } from 'mongoose';
import { hashPassword, needsRehash, verifyAgainstDummyHash, verifyPassword } from './password';

interface UserFields {
  email: string;
  passwordHash: string;
  /** When the account was made; absent on accounts made before it was stored (their id's time says it). */
  createdAt?: Date;
  /**
   * The id of the `user.created` event announcing the account, committed with it (sign-up) or
   * later (the backfill, for accounts older than the event). Absent until then.
   */
  createdEventId?: string;
}

interface UserMethods {
  /** What `user.created` says of this account. */
  createdEventData(): EventData<Subjects.UserCreated>;
}

type UserDocument = HydratedDocument<UserFields, UserMethods>;

interface UserModel extends Model<UserFields, object, UserMethods> {
  /**
   * Creates the account and its `user.created` event in one transaction, or returns null when the
   * email is taken (even by a sign-up racing this one): then nothing is recorded.
   */
  register(email: string, password: string, outbox: Outbox): Promise<UserDocument | null>;
  /**
   * The account whose email and password these are, or null; takes as long either way. A hash made
   * the old way (scrypt, or other argon2 parameters) is replaced now that the password is known.
   */
  authenticate(email: string, password: string): Promise<UserDocument | null>;
}

const userSchema = new mongoose.Schema<UserFields, UserModel, UserMethods>(
  {
    // Stored normalized (trimmed, lower-cased) so the unique index sees one spelling per address.
    email: { type: String, required: true, unique: true, trim: true, lowercase: true },
    // Never loaded unless asked for with select('+passwordHash'), and never serialized.
    passwordHash: { type: String, required: true, select: false },
    createdAt: { type: Date, default: () => new Date(), immutable: true },
    createdEventId: { type: String },
  },
  {
    toJSON: {
      transform(_doc, ret) {
        return { id: String(ret._id), email: ret.email };
      },
    },
  },
);

userSchema.method('createdEventData', function createdEventData(this: UserDocument) {
  return {
    id: this.id as string,
    email: this.email,
    createdAt: (this.createdAt ?? this._id.getTimestamp()).toISOString(),
  };
});

userSchema.static('register', async function register(email: string, password: string, outbox: Outbox) {
  // Hashed once, outside the transaction, which may be retried.
  const passwordHash = await hashPassword(password);
  try {
    return await outbox.transaction(async (session, record) => {
      const user = new this({ email, passwordHash });
      user.createdEventId = record(Subjects.UserCreated, user.createdEventData());
      await user.save({ session });
      return user;
    });
  } catch (err) {
    // The unique email index is the only one a new user can break: the email is taken.
    if (isDuplicateKeyError(err)) return null;
    throw err;
  }
});

userSchema.static('authenticate', async function authenticate(email: string, password: string) {
  const user = await this.findOne({ email: { $eq: email } }).select('+passwordHash');
  if (!user) {
    await verifyAgainstDummyHash(password);
    return null;
  }
  if (!(await verifyPassword(password, user.passwordHash))) return null;
  if (needsRehash(user.passwordHash)) {
    // Only if the hash is still the one verified: a password changed meanwhile is not overwritten.
    await this.updateOne(
      { _id: user._id, passwordHash: user.passwordHash },
      { $set: { passwordHash: await hashPassword(password) } },
    );
  }
  return user;
});

export const User = mongoose.model<UserFields, UserModel>('User', userSchema);
export type { UserDocument };
