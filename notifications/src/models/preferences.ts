import mongoose, { Schema } from 'mongoose';

/** Which of the non-essential emails a user wants; receipts and refunds always go. */
export interface Preferences {
  ticketSold: boolean;
  reservationExpired: boolean;
  welcome: boolean;
}

/** What a user who never saved preferences gets: every email. */
export const DEFAULT_PREFERENCES: Preferences = { ticketSold: true, reservationExpired: true, welcome: true };

interface PreferencesRecord extends Preferences {
  /** The user's id: one record per user, made on their first change. */
  _id: string;
}

const preferencesSchema = new Schema<PreferencesRecord>(
  {
    _id: { type: String, required: true },
    ticketSold: { type: Boolean, default: true },
    reservationExpired: { type: Boolean, default: true },
    welcome: { type: Boolean, default: true },
  },
  { versionKey: false, collection: 'preferences' },
);

const PreferencesModel = mongoose.model<PreferencesRecord>('Preferences', preferencesSchema);

function preferencesOf(record: Partial<Preferences> | null): Preferences {
  return {
    ticketSold: record?.ticketSold ?? DEFAULT_PREFERENCES.ticketSold,
    reservationExpired: record?.reservationExpired ?? DEFAULT_PREFERENCES.reservationExpired,
    welcome: record?.welcome ?? DEFAULT_PREFERENCES.welcome,
  };
}

export async function findPreferences(userId: string): Promise<Preferences> {
  return preferencesOf(await PreferencesModel.findById(userId).lean());
}

/** Sets the given preferences (the others keep their value); returns them all. */
export async function updatePreferences(userId: string, changes: Partial<Preferences>): Promise<Preferences> {
  const record = await PreferencesModel.findOneAndUpdate(
    { _id: userId },
    { $set: changes },
    { upsert: true, returnDocument: 'after', setDefaultsOnInsert: true },
  ).lean();
  return preferencesOf(record);
}
