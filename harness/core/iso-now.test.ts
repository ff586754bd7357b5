import { describe, expect, it } from 'vitest';
import { isoNow } from './iso-now.js';

describe('isoNow', () => {
  it('writes what toISOString writes, across seconds, days and the millisecond padding', () => {
    const base = Date.UTC(2026, 10, 27, 23, 59, 58, 0);
    for (const ms of [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 1999, 2000, 2005, 86_400_000 + 7]) {
      expect(isoNow(base + ms)).toBe(new Date(base + ms).toISOString());
    }
    expect(isoNow(base - 1_000_000)).toBe(new Date(base - 1_000_000).toISOString());
  });
});
