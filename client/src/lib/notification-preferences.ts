import type { FormState } from './form-state';

/** Which optional emails the user gets, as GET and PUT /api/notifications/preferences answer them. */
export interface NotificationPreferences {
  ticketSold: boolean;
  reservationExpired: boolean;
  welcome: boolean;
}

export type NotificationPreferenceName = keyof NotificationPreferences;

/** The emails a user may turn off, in the order the account page offers them. */
export const NOTIFICATION_CHOICES: { name: NotificationPreferenceName; label: string; hint: string }[] = [
  {
    name: 'ticketSold',
    label: 'A ticket I am selling has been sold',
    hint: 'As a seller: a buyer has paid for one of your listings.',
  },
  {
    name: 'reservationExpired',
    label: 'My reservation ran out before I paid',
    hint: 'As a buyer: a ticket you ordered but did not pay for in time went back on sale.',
  },
  {
    name: 'welcome',
    label: 'Welcome and news from Ticketing',
    hint: 'Getting started with your account, and what is new on the marketplace.',
  },
];

/** What saving the preferences answered: the API's errors, or the preferences now saved. */
export interface PreferencesFormState extends FormState {
  /** What the boxes show: the saved preferences, or what was sent when saving failed. */
  preferences?: NotificationPreferences;
  saved: boolean;
}

export const emptyPreferencesFormState: PreferencesFormState = { errors: [], values: {}, saved: false };

/** The preferences the form asks for: a checkbox is in the form's data only when it is ticked. */
export function preferencesFromForm(formData: FormData): NotificationPreferences {
  return {
    ticketSold: formData.has('ticketSold'),
    reservationExpired: formData.has('reservationExpired'),
    welcome: formData.has('welcome'),
  };
}
