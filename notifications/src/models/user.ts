import mongoose, { Schema } from 'mongoose';

/** Notifications' copy of an account, kept from user.created: where its emails go. */
export interface User {
  _id: mongoose.Types.ObjectId;
  /** As auth keeps it: trimmed and lower-cased. */
  email: string;
}

const userSchema = new Schema<User>({ email: { type: String, required: true } }, { versionKey: false });

export const User = mongoose.model<User>('User', userSchema);

/** The account's address, or undefined while its user.created has not arrived. */
export async function emailOf(userId: string): Promise<string | undefined> {
  const user = await User.findById(userId, { email: 1 }).lean();
  return user?.email;
}
