import { canonicalForm, parseForm } from '../src/form';

it('parses nested keys and indexed arrays the way the Stripe SDK writes them', () => {
  const parsed = parseForm(
    'amount=1999&metadata[orderId]=abc&metadata[note]=a%20b%26c&payment_method_types[0]=card&payment_method_types[1]=link&automatic_payment_methods[enabled]=true',
  );
  expect(parsed).toEqual({
    amount: '1999',
    metadata: { orderId: 'abc', note: 'a b&c' },
    payment_method_types: ['card', 'link'],
    automatic_payment_methods: { enabled: 'true' },
  });
});

it('accepts percent-encoded brackets', () => {
  expect(parseForm('metadata%5BorderId%5D=x')).toEqual({ metadata: { orderId: 'x' } });
});

it.each(['__proto__[polluted]=1', 'metadata[__proto__]=1', 'a[constructor][prototype]=1', 'a[]=1', 'a[b=1'])(
  'refuses the parameter name in %s',
  (body) => {
    expect(() => parseForm(body)).toThrow(/Invalid parameter name/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  },
);

it('compares parameters regardless of their order', () => {
  expect(canonicalForm(parseForm('a=1&m[x]=1&m[y]=2'))).toBe(canonicalForm(parseForm('m[y]=2&a=1&m[x]=1')));
  expect(canonicalForm(parseForm('a=1'))).not.toBe(canonicalForm(parseForm('a=2')));
});
