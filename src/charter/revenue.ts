// A number as people write it: 840.75, 840,75, 1,240.50, 1.240,50, 1'240.
const NUMBER = /\d(?:[\d,.'\u00a0\u202f]*\d)?/g;

function readings(token: string): number[] {
  const plain = token.replace(/['\u00a0\u202f]/g, '');
  return [Number(plain.replace(/,/g, '')), Number(plain.replace(/\./g, '').replace(',', '.'))].filter(Number.isFinite);
}

/** True when the text carries this amount in any common spelling ("$840.75", "840,75 USD", "840"). */
export function carriesAmount(value: string, amount: number): boolean {
  if (amount <= 0) return false;
  return (value.match(NUMBER) ?? []).some((token) => readings(token).some((n) => Math.abs(n - amount) < 0.005));
}
