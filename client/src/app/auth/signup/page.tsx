import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { cardClass, linkClass } from '@/components/styles';
import { currentUser, safeNextPath } from '@/lib/session';
import { signUp } from '../actions';
import { CredentialsForm } from '../credentials-form';

export const metadata: Metadata = { title: 'Create an account' };

export default async function SignupPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const next = safeNextPath((await searchParams).next);
  if (await currentUser()) redirect(next);
  return (
    <div className={`mx-auto max-w-md ${cardClass}`}>
      <h1 className="mb-6 text-2xl font-bold">Create an account</h1>
      <CredentialsForm action={signUp} next={next} submitLabel="Create account" newPassword />
      <p className="mt-6 text-sm text-slate-700">
        Already have an account?{' '}
        <Link className={linkClass} href={`/auth/signin?next=${encodeURIComponent(next)}`}>
          Sign in
        </Link>
      </p>
    </div>
  );
}
