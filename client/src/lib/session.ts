import { redirect } from 'next/navigation';
import { cache } from 'react';
import { api } from './api';
import type { CurrentUser } from './types';

/** The signed-in user of this request, or null; asked once per request however many components want it. */
export const currentUser = cache(async (): Promise<CurrentUser | null> => {
  const result = await api<{ currentUser: CurrentUser | null }>('/api/users/currentuser');
  return result.ok ? result.data.currentUser : null;
});

/** The page at `path` needs a signed-in user: anyone else is sent to sign in, and back here afterwards. */
export async function requireUser(path: string): Promise<CurrentUser> {
  const user = await currentUser();
  if (!user) redirect(signinPath(path));
  return user;
}

/** The sign-in page, coming back to `path` once signed in. */
export function signinPath(path: string): string {
  return `/auth/signin?next=${encodeURIComponent(path)}`;
}

/** `next` when it is a path of this site; `/` otherwise, so a crafted link cannot send anyone elsewhere. */
export function safeNextPath(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/';
}
