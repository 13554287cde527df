'use client';

import { useFormStatus } from 'react-dom';
import type { FormState } from '@/lib/form-state';
import { buttonClass, type ButtonVariant } from './styles';

interface TextFieldProps {
  name: string;
  label: string;
  state: FormState;
  type?: 'text' | 'email' | 'password' | 'search';
  inputMode?: 'decimal' | 'text';
  autoComplete?: string;
  defaultValue?: string;
  hint?: string;
  required?: boolean;
}

/** A labelled input whose API error (the one with this `field`) is shown under it and announced. */
export function TextField({ name, label, state, type = 'text', hint, defaultValue, ...input }: TextFieldProps) {
  const error = state.errors.find((entry) => entry.field === name)?.message;
  const errorId = `${name}-error`;
  const hintId = `${name}-hint`;
  const describedBy = [hint ? hintId : undefined, error ? errorId : undefined].filter(Boolean).join(' ') || undefined;
  return (
    <div className="space-y-1">
      <label htmlFor={name} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id={name}
        name={name}
        type={type}
        defaultValue={state.values[name] ?? defaultValue}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        className={`block w-full rounded-md border bg-white px-3 py-2 text-base shadow-sm ${
          error ? 'border-red-600' : 'border-slate-300'
        }`}
        {...input}
      />
      {hint && (
        <p id={hintId} className="text-sm text-slate-600">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="text-sm font-medium text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}

/** The errors of a form that belong to none of its fields. */
export function FormErrors({ state, fields }: { state: FormState; fields: string[] }) {
  const general = state.errors.filter((entry) => !entry.field || !fields.includes(entry.field));
  if (general.length === 0) return null;
  return (
    <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">
      {general.map((entry) => (
        <p key={`${entry.field ?? ''}${entry.message}`}>{entry.message}</p>
      ))}
    </div>
  );
}

/** The form's submit button, disabled while the form is being sent. */
interface SubmitButtonProps {
  children: React.ReactNode;
  variant?: ButtonVariant;
  accessibleLabel?: string;
}

export function SubmitButton({ children, variant = 'primary', accessibleLabel }: SubmitButtonProps) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" disabled={pending} aria-label={accessibleLabel} className={buttonClass(variant)}>
      {children}
    </button>
  );
}
