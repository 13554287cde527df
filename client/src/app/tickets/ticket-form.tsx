'use client';

import { useActionState } from 'react';
import { FormErrors, SubmitButton, TextField } from '@/components/form-controls';
import { emptyFormState, type FormState } from '@/lib/form-state';

interface TicketFormProps {
  action: (previous: FormState, formData: FormData) => Promise<FormState>;
  submitLabel: string;
  initial?: { title: string; price: string };
}

/** Title and price of a listing, for listing a ticket and for editing one. */
export function TicketForm({ action, submitLabel, initial }: TicketFormProps) {
  const [state, formAction] = useActionState(action, emptyFormState);
  return (
    <form action={formAction} className="space-y-4" noValidate>
      <FormErrors state={state} fields={['title', 'price']} />
      <TextField
        name="title"
        label="Title"
        state={state}
        defaultValue={initial?.title}
        hint="What the ticket is for, e.g. the event and the seat."
        required
      />
      <TextField
        name="price"
        label="Price"
        inputMode="decimal"
        state={state}
        defaultValue={initial?.price}
        hint="In your currency, with at most two decimals, e.g. 25 or 19.99."
        required
      />
      <SubmitButton>{submitLabel}</SubmitButton>
    </form>
  );
}
