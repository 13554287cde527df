import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { cardClass, linkClass } from '@/components/styles';
import { currentUser, safeNextPath } from '@/lib/session';
import { signIn } from '../actions';
import { CredentialsForm } from '../credentials-form';

export const metadata: Metadata = { title: 'Sign in' };

export default async function SigninPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const next = safeNextPath((await searchParams).next);
  if (await currentUser()) redirect(next);
  return (
    <div className={`mx-auto max-w-md ${cardClass}`}>
      <h1 className="mb-6 text-2xl font-bold">Sign in</h1>
      <CredentialsForm action={signIn} next={next} submitLabel="Sign in" newPassword={false} />
      <p className="mt-6 text-sm text-slate-700">
        New here?{' '}
        <Link className={linkClass} href={`/auth/signup?next=${encodeURIComponent(next)}`}>
          Create an account
        </Link>
      </p>
    </div>
  );
}
