'use server';

import { randomUUID } from 'node:crypto';
import { redirect } from 'next/navigation';
import { api } from '@/lib/api';
import type { FormState } from '@/lib/form-state';
import type { PaymentState } from '@/lib/payment-state';
import { signinPath } from '@/lib/session';

interface PaymentAnswer {
  status?: 'requires_action' | 'processing';
  clientSecret?: string;
  nextAction?: { use_stripe_sdk?: { stripe_js?: string }; redirect_to_url?: { url?: string } };
}

export async function payOrder(orderId: string, previous: PaymentState, formData: FormData): Promise<PaymentState> {
  const paymentMethod = String(formData.get('paymentMethod') ?? '');
  const result = await api<PaymentAnswer>('/api/payments', {
    method: 'POST',
    body: { orderId, paymentMethod },
    headers: { 'idempotency-key': previous.attemptKey },
  });
  if (result.status === 401) redirect(signinPath(`/orders/${orderId}`));
  if (!result.ok) {
    // After a decline the next try is a new payment attempt, with a key of its own.
    return { errors: result.errors, values: { paymentMethod }, attemptKey: randomUUID() };
  }
  if (result.status === 202) {
    const next = result.data.nextAction;
    const authenticationUrl = next?.use_stripe_sdk?.stripe_js ?? next?.redirect_to_url?.url;
    return {
      errors: [],
      values: { paymentMethod },
      attemptKey: previous.attemptKey,
      authenticationUrl,
      clientSecret: result.data.clientSecret,
    };
  }
  return { errors: [], values: { paymentMethod }, attemptKey: previous.attemptKey, paid: true };
}

export async function cancelOrder(orderId: string, _previous: FormState): Promise<FormState> {
  const result = await api(`/api/orders/${orderId}`, { method: 'DELETE' });
  if (result.status === 401) redirect(signinPath(`/orders/${orderId}`));
  return { errors: result.ok ? [] : result.errors, values: {} };
}
