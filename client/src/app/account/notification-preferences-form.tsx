'use client';

import { useActionState } from 'react';
import { FormErrors, SubmitButton } from '@/components/form-controls';
import {
  emptyPreferencesFormState,
  NOTIFICATION_CHOICES,
  type NotificationPreferences,
  type PreferencesFormState,
} from '@/lib/notification-preferences';

interface NotificationPreferencesFormProps {
  action: (previous: PreferencesFormState, formData: FormData) => Promise<PreferencesFormState>;
  initial: NotificationPreferences;
}

/** A checkbox for each email the user may turn off; the boxes show what was last saved. */
export function NotificationPreferencesForm({ action, initial }: NotificationPreferencesFormProps) {
  const [state, formAction] = useActionState(action, emptyPreferencesFormState);
  const shown = state.preferences ?? initial;
  return (
    <form action={formAction} className="space-y-4">
      <FormErrors state={state} fields={NOTIFICATION_CHOICES.map((choice) => choice.name)} />
      <fieldset>
        <legend className="mb-3 text-sm font-medium text-slate-800">Email me when</legend>
        <div className="space-y-3">
          {NOTIFICATION_CHOICES.map(({ name, label, hint }) => {
            const error = state.errors.find((entry) => entry.field === name)?.message;
            const hintId = `${name}-hint`;
            const errorId = `${name}-error`;
            return (
              <div key={name} className="flex items-start gap-3">
                <input
                  id={name}
                  name={name}
                  type="checkbox"
                  defaultChecked={shown[name]}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? `${hintId} ${errorId}` : hintId}
                  className="mt-1 size-4 shrink-0 accent-brand-700"
                />
                <div>
                  <label htmlFor={name} className="font-medium text-slate-800">
                    {label}
                  </label>
                  <p id={hintId} className="text-sm text-slate-600">
                    {hint}
                  </p>
                  {error && (
                    <p id={errorId} className="text-sm font-medium text-red-700">
                      {error}
                    </p>
                  )}
                </div>
              </div>
            );
          })}
        </div>
      </fieldset>
      <div className="flex flex-wrap items-center gap-4">
        <SubmitButton>Save email settings</SubmitButton>
        <p role="status" className="text-sm text-slate-800">
          {state.saved ? 'Your email settings are saved.' : ''}
        </p>
      </div>
    </form>
  );
}
