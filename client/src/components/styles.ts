export type ButtonVariant = 'primary' | 'danger' | 'secondary';

/** The look of every button and button-like link, so all of them read as one product. */
export function buttonClass(variant: ButtonVariant = 'primary'): string {
  const base =
    'inline-flex items-center justify-center rounded-md px-4 py-2 text-sm font-semibold shadow-sm disabled:cursor-not-allowed disabled:opacity-60';
  switch (variant) {
    case 'danger':
      return `${base} bg-red-700 text-white hover:bg-red-800`;
    case 'secondary':
      return `${base} border border-slate-300 bg-white text-slate-800 hover:bg-slate-100`;
    default:
      return `${base} bg-brand-700 text-white hover:bg-brand-800`;
  }
}

export const cardClass = 'rounded-lg border border-slate-200 bg-white p-5 shadow-sm';
export const linkClass = 'font-medium text-brand-700 underline-offset-2 hover:underline';
