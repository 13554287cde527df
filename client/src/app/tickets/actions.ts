'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { api } from '@/lib/api';
import { formValues, type FormState } from '@/lib/form-state';
import { currentUser, signinPath } from '@/lib/session';
import type { Order, Ticket } from '@/lib/types';

const TICKET_FIELDS = ['title', 'price'];

export async function createTicket(_previous: FormState, formData: FormData): Promise<FormState> {
  const values = formValues(formData, TICKET_FIELDS);
  const result = await api<Ticket>('/api/tickets', { method: 'POST', body: values });
  if (result.status === 401) redirect(signinPath('/tickets/new'));
  if (!result.ok) return { errors: result.errors, values };
  redirect(`/tickets/${result.data.id}`);
}

export async function updateTicket(
  ticketId: string,
  version: number,
  _previous: FormState,
  formData: FormData,
): Promise<FormState> {
  const values = formValues(formData, TICKET_FIELDS);
  const result = await api<Ticket>(`/api/tickets/${ticketId}`, { method: 'PUT', body: { ...values, version } });
  if (result.status === 401) redirect(signinPath(`/tickets/${ticketId}/edit`));
  if (!result.ok) return { errors: result.errors, values };
  redirect(`/tickets/${ticketId}`);
}

export async function withdrawTicket(ticketId: string, _previous: FormState): Promise<FormState> {
  const result = await api(`/api/tickets/${ticketId}`, { method: 'DELETE' });
  if (result.status === 401) redirect(signinPath('/tickets/mine'));
  if (!result.ok) return { errors: result.errors, values: {} };
  revalidatePath('/tickets/mine');
  revalidatePath(`/tickets/${ticketId}`);
  return { errors: [], values: {} };
}

/** Reserves the ticket for the buyer and takes them to the order, where they pay. */
export async function buyTicket(ticketId: string, _previous: FormState): Promise<FormState> {
  if (!(await currentUser())) redirect(signinPath(`/tickets/${ticketId}`));
  const result = await api<Order>('/api/orders', { method: 'POST', body: { ticketId } });
  if (result.status === 401) redirect(signinPath(`/tickets/${ticketId}`));
  if (!result.ok) return { errors: result.errors, values: {} };
  redirect(`/orders/${result.data.id}`);
}
