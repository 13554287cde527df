import { notFound } from 'next/navigation';
import { cache } from 'react';
import { api } from './api';
import type { Ticket } from './types';

/** The ticket of a page, asked once per request (metadata and page share it); 404 page when unknown. */
export const loadTicket = cache(async (id: string): Promise<Ticket> => {
  const result = await api<Ticket>(`/api/tickets/${encodeURIComponent(id)}`);
  if (result.status === 404) notFound();
  if (!result.ok) throw new Error(result.errors[0].message);
  return result.data;
});
