import { describe, expect, it } from 'vitest';
import { thousands } from '../../src/core/index.js';

describe('thousands', () => {
  it('writes what toLocaleString("en-US") writes', () => {
    const values = [0, 1, 7, 12, 999, 1_000, 1_234, 99_999, 100_000, 1_234_567, 20_000_000, 1_000_000_007, 2 ** 53, -1, -1_234, -1_234_567];
    const fractions = [0.5, 1.25, 1_234.5, 1_234.5678, 999.9999, -1_234.125, 0.0004];
    for (const n of [...values, ...fractions]) expect(thousands(n), String(n)).toBe(n.toLocaleString('en-US'));
  });

  it('leaves what is not a plain number as String() writes it', () => {
    expect(thousands(Number.NaN)).toBe('NaN');
    expect(thousands(Number.POSITIVE_INFINITY)).toBe('Infinity');
  });
});
