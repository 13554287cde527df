'use server';

import { redirect } from 'next/navigation';
import { api } from '@/lib/api';
import {
  preferencesFromForm,
  type NotificationPreferences,
  type PreferencesFormState,
} from '@/lib/notification-preferences';
import { signinPath } from '@/lib/session';

export async function saveNotificationPreferences(
  _previous: PreferencesFormState,
  formData: FormData,
): Promise<PreferencesFormState> {
  const preferences = preferencesFromForm(formData);
  const result = await api<NotificationPreferences>('/api/notifications/preferences', {
    method: 'PUT',
    body: preferences,
  });
  if (result.status === 401) redirect(signinPath('/account'));
  if (!result.ok) return { errors: result.errors, values: {}, preferences, saved: false };
  return { errors: [], values: {}, preferences: result.data, saved: true };
}
