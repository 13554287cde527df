import Link from 'next/link';
import { signOut } from '@/app/auth/actions';
import { currentUser } from '@/lib/session';

const navLinkClass = 'rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100 hover:text-slate-900';

export async function SiteHeader() {
  const user = await currentUser();
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-5xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3">
        <Link href="/" className="mr-2 text-lg font-bold text-brand-700">
          Ticketing
        </Link>
        <nav aria-label="Main" className="flex flex-1 flex-wrap items-center gap-1">
          <Link className={navLinkClass} href="/">
            Tickets
          </Link>
          <Link className={navLinkClass} href="/tickets/new">
            Sell a ticket
          </Link>
          {user && (
            <>
              <Link className={navLinkClass} href="/tickets/mine">
                My listings
              </Link>
              <Link className={navLinkClass} href="/orders">
                My orders
              </Link>
              <Link className={navLinkClass} href="/account">
                My account
              </Link>
            </>
          )}
        </nav>
        <div className="flex items-center gap-2">
          {user ? (
            <>
              <span className="hidden text-sm text-slate-600 sm:inline">{user.email}</span>
              <form action={signOut}>
                <button type="submit" className={navLinkClass}>
                  Sign out
                </button>
              </form>
            </>
          ) : (
            <>
              <Link className={navLinkClass} href="/auth/signin">
                Sign in
              </Link>
              <Link className={navLinkClass} href="/auth/signup">
                Sign up
              </Link>
            </>
          )}
        </div>
      </div>
    </header>
  );
}
