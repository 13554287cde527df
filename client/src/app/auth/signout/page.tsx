import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { SubmitButton } from '@/components/form-controls';
import { cardClass } from '@/components/styles';
import { currentUser } from '@/lib/session';
import { signOut } from '../actions';

export const metadata: Metadata = { title: 'Sign out' };

/** Signing out changes state, so it is a button (a POST), never something a link or a prefetch could trigger. */
export default async function SignoutPage() {
  const user = await currentUser();
  if (!user) redirect('/');
  return (
    <div className={`mx-auto max-w-md ${cardClass}`}>
      <h1 className="mb-2 text-2xl font-bold">Sign out</h1>
      <p className="mb-6 text-slate-700">You are signed in as {user.email}.</p>
      <form action={signOut}>
        <SubmitButton>Sign out</SubmitButton>
      </form>
    </div>
  );
}
