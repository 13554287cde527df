import type { TicketStatus } from '@/lib/types';

const LOOKS: Record<TicketStatus, { label: string; className: string }> = {
  available: { label: 'For sale', className: 'bg-emerald-100 text-emerald-900' },
  reserved: { label: 'Reserved', className: 'bg-amber-100 text-amber-900' },
  sold: { label: 'Sold', className: 'bg-slate-200 text-slate-900' },
  withdrawn: { label: 'Withdrawn', className: 'bg-red-100 text-red-900' },
};

export function TicketStatusBadge({ status }: { status: TicketStatus }) {
  const look = LOOKS[status];
  return (
    <span className={`inline-block rounded-full px-2.5 py-0.5 text-xs font-semibold ${look.className}`}>
      {look.label}
    </span>
  );
}
