import { describe, expect, it } from 'vitest';
import { formatAmount, formatMinor } from './money.js';

describe('amounts in minor units', () => {
  it('writes each currency with its ISO 4217 minor units', () => {
    expect(formatAmount(1250, 'EUR')).toBe('EUR 12.50');
    expect(formatAmount(-500, 'USD')).toBe('USD -5.00');
    expect(formatAmount(1000, 'JPY')).toBe('JPY 1000');
    expect(formatMinor(7, 'GBP')).toBe('0.07');
  });
});
