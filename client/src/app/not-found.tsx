import Link from 'next/link';
import { buttonClass, cardClass } from '@/components/styles';

export default function NotFound() {
  return (
    <div className={`mx-auto max-w-lg text-center ${cardClass}`}>
      <h1 className="text-2xl font-bold">Page not found</h1>
      <p className="mt-2 text-slate-700">
        There is nothing here: the link may be mistyped, or the ticket or order may not exist.
      </p>
      <Link className={`mt-6 ${buttonClass()}`} href="/">
        See the tickets for sale
      </Link>
    </div>
  );
}
