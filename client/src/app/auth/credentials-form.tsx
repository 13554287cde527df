'use client';

import { useActionState } from 'react';
import { FormErrors, SubmitButton, TextField } from '@/components/form-controls';
import { emptyFormState, type FormState } from '@/lib/form-state';

interface CredentialsFormProps {
  action: (previous: FormState, formData: FormData) => Promise<FormState>;
  next: string;
  submitLabel: string;
  newPassword: boolean;
}

/** Email and password, sent to sign in or sign up; the API's errors appear next to their fields. */
export function CredentialsForm({ action, next, submitLabel, newPassword }: CredentialsFormProps) {
  const [state, formAction] = useActionState(action, emptyFormState);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <input type="hidden" name="next" value={next} />
      <FormErrors state={state} fields={['email', 'password']} />
      <TextField name="email" label="Email" type="email" autoComplete="email" state={state} required />
      <TextField
        name="password"
        label="Password"
        type="password"
        autoComplete={newPassword ? 'new-password' : 'current-password'}
        hint={newPassword ? 'Between 8 and 128 characters.' : undefined}
        state={state}
        required
      />
      <SubmitButton>{submitLabel}</SubmitButton>
    </form>
  );
}
