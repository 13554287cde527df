import Link from 'next/link';
import { buttonClass } from './styles';

interface PaginationProps {
  /** The page's path and the query to keep (search text, ...). */
  path: string;
  query: Record<string, string | undefined>;
  /** Whether this is a later page (a link back to the first is offered). */
  hasPrevious: boolean;
  /** The API's `X-Next-Cursor`, when there is a next page. */
  nextCursor: string | null;
}

function href(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams(
    Object.entries(query).filter((entry): entry is [string, string] => Boolean(entry[1])),
  );
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** The API's cursor pagination as links: the first page and the next one. */
export function Pagination({ path, query, hasPrevious, nextCursor }: PaginationProps) {
  if (!hasPrevious && !nextCursor) return null;
  return (
    <nav aria-label="Pages" className="mt-8 flex justify-between gap-4">
      {hasPrevious ? (
        <Link className={buttonClass('secondary')} href={href(path, { ...query, cursor: undefined })}>
          First page
        </Link>
      ) : (
        <span />
      )}
      {nextCursor && (
        <Link className={buttonClass('secondary')} href={href(path, { ...query, cursor: nextCursor })}>
          Next page
        </Link>
      )}
    </nav>
  );
}
