import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { cardClass } from '@/components/styles';
import { api } from '@/lib/api';
import type { NotificationPreferences } from '@/lib/notification-preferences';
import { requireUser, signinPath } from '@/lib/session';
import { saveNotificationPreferences } from './actions';
import { NotificationPreferencesForm } from './notification-preferences-form';

export const metadata: Metadata = { title: 'Your account' };

export default async function AccountPage() {
  const user = await requireUser('/account');
  const preferences = await api<NotificationPreferences>('/api/notifications/preferences');
  if (preferences.status === 401) redirect(signinPath('/account'));

  return (
    <div className="mx-auto max-w-lg space-y-6">
      <div className={cardClass}>
        <h1 className="mb-4 text-2xl font-bold">Your account</h1>
        <dl>
          <dt className="text-sm text-slate-600">Email</dt>
          <dd className="font-medium break-words">{user.email}</dd>
        </dl>
      </div>
      <section aria-labelledby="email-notifications" className={cardClass}>
        <h2 id="email-notifications" className="mb-2 text-xl font-bold">
          Email notifications
        </h2>
        <p className="mb-4 text-sm text-slate-700">
          Receipts for the tickets you buy and notices of refunds are always sent: they are records of your payments.
          You can turn off the others.
        </p>
        {preferences.ok ? (
          <NotificationPreferencesForm action={saveNotificationPreferences} initial={preferences.data} />
        ) : (
          <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">
            <p className="font-medium">Your email settings cannot be shown right now.</p>
            <p>{preferences.errors[0].message}</p>
          </div>
        )}
      </section>
    </div>
  );
}
