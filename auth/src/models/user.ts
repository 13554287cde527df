import { isDuplicateKeyError } from '@ticketing/common';
import mongoose, { HydratedDocument, Model } from 'mongoose';
import { hashPassword, needsRehash, verifyAgainstDummyHash, verifyPassword } from './password';

interface UserFields {
  email: string;
  passwordHash: string;
}

type UserDocument = HydratedDocument<UserFields>;

interface UserModel extends Model<UserFields> {
  /** Creates the account, or returns null when the email is taken (even by a sign-up racing this one). */
  register(email: string, password: string): Promise<UserDocument | null>;
  /**
   * The account whose email and password these are, or null; takes as long either way. A hash made
   * the old way (scrypt, or other argon2 parameters) is replaced now that the password is known.
   */
  authenticate(email: string, password: string): Promise<UserDocument | null>;
}

const userSchema = new mongoose.Schema<UserFields, UserModel>(
  {
    // Stored normalized (trimmed, lower-cased) so the unique index sees one spelling per address.
    email: { type: String, required: true, unique: true, trim: true, lowercase: true },
    // Never loaded unless asked for with select('+passwordHash'), and never serialized.
    passwordHash: { type: String, required: true, select: false },
  },
  {
    toJSON: {
      transform(_doc, ret) {
        return { id: String(ret._id), email: ret.email };
      },
    },
  },
);

userSchema.static('register', async function register(email: string, password: string) {
  const passwordHash = await hashPassword(password);
  try {
    return await this.create({ email, passwordHash });
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
