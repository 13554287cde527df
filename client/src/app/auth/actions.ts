'use server';

import { redirect } from 'next/navigation';
import { api, keepSessionCookie } from '@/lib/api';
import { formValues, type FormState } from '@/lib/form-state';
import { safeNextPath } from '@/lib/session';

async function startSession(path: string, formData: FormData): Promise<FormState> {
  const values = formValues(formData, ['email', 'password']);
  const result = await api(path, { method: 'POST', body: { email: values.email, password: values.password } });
  if (!result.ok) return { errors: result.errors, values: { email: values.email } };
  await keepSessionCookie(result);
  redirect(safeNextPath(formData.get('next')));
}

export async function signIn(_previous: FormState, formData: FormData): Promise<FormState> {
  return startSession('/api/users/signin', formData);
}

export async function signUp(_previous: FormState, formData: FormData): Promise<FormState> {
  return startSession('/api/users/signup', formData);
}

export async function signOut(): Promise<void> {
  const result = await api('/api/users/signout', { method: 'POST' });
  await keepSessionCookie(result);
  redirect('/');
}
