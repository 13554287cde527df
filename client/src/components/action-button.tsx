'use client';

import { useActionState } from 'react';
import { FormErrors, SubmitButton } from '@/components/form-controls';
import type { ButtonVariant } from '@/components/styles';
import { emptyFormState, type FormState } from '@/lib/form-state';

interface ActionButtonProps {
  action: (previous: FormState) => Promise<FormState>;
  label: string;
  variant?: ButtonVariant;
  /** What the button does when its label alone does not say it (a list of items each with "Withdraw"). */
  accessibleLabel?: string;
}

/** One button doing one thing (buy, withdraw, cancel), with the API's answer shown beside it if it fails. */
export function ActionButton({ action, label, variant, accessibleLabel }: ActionButtonProps) {
  const [state, formAction] = useActionState(action, emptyFormState);
  return (
    <form action={formAction} className="space-y-3">
      <FormErrors state={state} fields={[]} />
      <SubmitButton variant={variant} accessibleLabel={accessibleLabel}>
        {label}
      </SubmitButton>
    </form>
  );
}
