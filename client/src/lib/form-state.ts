import type { ApiError } from './api';

/** What a form's server action answers: the API's errors, and what was typed (kept in the fields). */
export interface FormState {
  errors: ApiError[];
  values: Record<string, string>;
}

export const emptyFormState: FormState = { errors: [], values: {} };

/** The form's fields as text, for `FormState.values`. */
export function formValues(formData: FormData, names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, String(formData.get(name) ?? '')]));
}
