import Link from 'next/link';
import { Pagination } from '@/components/pagination';
import { buttonClass, cardClass, linkClass } from '@/components/styles';
import { api } from '@/lib/api';
import { clientConfig } from '@/lib/config';
import { formatMoney, requestLocale } from '@/lib/format';
import type { Ticket } from '@/lib/types';

const PAGE_SIZE = 12;

interface HomeProps {
  searchParams: Promise<{ q?: string; cursor?: string }>;
}

export default async function HomePage({ searchParams }: HomeProps) {
  const { q, cursor } = await searchParams;
  const search = typeof q === 'string' ? q.trim() : '';
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (search) params.set('q', search);
  if (typeof cursor === 'string') params.set('cursor', cursor);
  const [result, locale] = await Promise.all([api<Ticket[]>(`/api/tickets?${params}`), requestLocale()]);
  const { currency } = clientConfig();

  return (
    <div>
      <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
        <h1 className="text-3xl font-bold">Tickets for sale</h1>
        <form role="search" action="/" className="flex w-full gap-2 sm:w-auto">
          <label htmlFor="q" className="sr-only">
            Search tickets
          </label>
          <input
            id="q"
            name="q"
            type="search"
            defaultValue={search}
            placeholder="Search by title"
            className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 sm:w-64"
          />
          <button type="submit" className={buttonClass()}>
            Search
          </button>
        </form>
      </div>

      {!result.ok ? (
        <div role="alert" className={cardClass}>
          <p className="text-red-800">{result.errors[0].message}</p>
          <Link className={linkClass} href="/">
            Back to the first page
          </Link>
        </div>
      ) : result.data.length === 0 ? (
        <div className={`${cardClass} text-center`}>
          <p className="text-lg font-medium">
            {search ? `No tickets for sale match “${search}”.` : 'No tickets are for sale right now.'}
          </p>
          <p className="mt-2 text-slate-700">
            {search ? (
              <Link className={linkClass} href="/">
                See every ticket for sale
              </Link>
            ) : (
              <>
                Have one to sell?{' '}
                <Link className={linkClass} href="/tickets/new">
                  List it
                </Link>
              </>
            )}
          </p>
        </div>
      ) : (
        <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
          {result.data.map((ticket) => (
            <li key={ticket.id}>
              <Link
                href={`/tickets/${ticket.id}`}
                // A page of tickets would prefetch every one of them on load; the one clicked loads fast enough.
                prefetch={false}
                className={`${cardClass} block h-full transition hover:border-brand-600 hover:shadow-md`}
              >
                <h2 className="text-lg font-semibold break-words">{ticket.title}</h2>
                <p className="mt-2 text-xl font-bold text-brand-700">{formatMoney(ticket.price, currency, locale)}</p>
              </Link>
            </li>
          ))}
        </ul>
      )}

      {result.ok && (
        <Pagination
          path="/"
          query={{ q: search || undefined }}
          hasPrevious={typeof cursor === 'string'}
          nextCursor={result.headers.get('x-next-cursor')}
        />
      )}
    </div>
  );
}
