'use client';

import Link from 'next/link';
import { buttonClass, cardClass } from '@/components/styles';

/** Whatever went wrong on the server, the reader gets a way forward, never a stack trace. */
export default function ErrorPage({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className={`mx-auto max-w-lg text-center ${cardClass}`}>
      <h1 className="text-2xl font-bold">Something went wrong</h1>
      <p className="mt-2 text-slate-700">We could not show this page right now. Try again in a moment.</p>
      <div className="mt-6 flex justify-center gap-3">
        <button type="button" className={buttonClass()} onClick={reset}>
          Try again
        </button>
        <Link className={buttonClass('secondary')} href="/">
          Go to the tickets
        </Link>
      </div>
    </div>
  );
}
