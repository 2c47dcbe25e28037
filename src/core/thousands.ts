// One way to write a count: "1,234,567", as the en-US locale writes it. Not toLocaleString: its
// first call loads ICU's number formatting, about 20 ms of CPU in every run that reports a count.

/** The number with thousands separators and at most three decimals, as `n.toLocaleString('en-US')` writes it. */
export function thousands(n: number): string {
  if (!Number.isFinite(n) || Math.abs(n) >= 1e21) return String(n);
  const [whole = '', fraction] = String(Math.round(n * 1000) / 1000).split('.');
  return `${whole.replace(/\B(?=(\d{3})+$)/g, ',')}${fraction ? `.${fraction}` : ''}`;
}
