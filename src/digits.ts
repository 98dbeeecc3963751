/**
 * Numbers for people: 1234567 → "1,234,567", 0.456 → "0.46". Written out rather than
 * `toLocaleString('en-US')`, whose first call loads ICU's number data (~30 ms of a small command's
 * start-up) and whose output would depend on how Node was built.
 */
export function grouped(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const sign = n < 0 ? '-' : '';
  const a = Math.abs(n);
  if (Number.isInteger(a)) return sign + commas(BigInt(a).toString());
  // at most two fraction digits, trailing zeros dropped, as maximumFractionDigits: 2 gives
  const [whole = '0', frac = ''] = a.toFixed(2).split('.');
  const f = frac.replace(/0+$/, '');
  const w = commas(whole);
  return (sign && (w !== '0' || f !== '') ? sign : '') + w + (f ? `.${f}` : '');
}

function commas(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+$)/g, ',');
}
