'use client';

import { useHydrated } from '@/lib/use-clock';

interface LocalTimeProps {
  /** ISO 8601. */
  iso: string;
  /** Show the date only, without the time of day. */
  dateOnly?: boolean;
}

/**
 * A moment in the reader's own locale and time zone. The server cannot know the time zone, so the
 * first render (server and hydration alike) shows the UTC time, replaced right after hydration.
 */
export function LocalTime({ iso, dateOnly = false }: LocalTimeProps) {
  const hydrated = useHydrated();
  const text = hydrated
    ? new Intl.DateTimeFormat(
        undefined,
        dateOnly ? { dateStyle: 'medium' } : { dateStyle: 'medium', timeStyle: 'short' },
      ).format(new Date(iso))
    : `${iso.slice(0, dateOnly ? 10 : 16).replace('T', ' ')}${dateOnly ? '' : ' UTC'}`;
  return <time dateTime={iso}>{text}</time>;
}
