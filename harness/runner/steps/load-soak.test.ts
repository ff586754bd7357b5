import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentile, spread } from './load.js';
import { cannotMeetLimits } from './load-early-stop.js';

describe('the latencies a load step keeps in the record', () => {
  it('keeps them all up to the limit, and beyond it an even spread over the ranks with the extremes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 60_000, noNaN: true }), { maxLength: 3000 }), fc.integer({ min: 2, max: 500 }), (values, n) => {
        const sorted = [...values].sort((a, b) => a - b);
        const kept = spread(sorted, n);
        if (sorted.length <= n) {
          expect(kept).toEqual(sorted);
          return;
        }
        expect(kept).toHaveLength(n);
        expect(kept[0]).toBe(sorted[0]);
        expect(kept.at(-1)).toBe(sorted.at(-1));
        expect([...kept].sort((a, b) => a - b)).toEqual(kept);
        // Each kept value's percentile stays within one step of the spread of the whole.
        const step = 100 / (n - 1);
        for (const p of [50, 95, 99]) {
          const whole = percentile(sorted, p);
          expect(kept.some((v) => v === whole) || (percentile(sorted, Math.max(0, p - step)) <= percentile(kept, p) && percentile(kept, p) <= percentile(sorted, Math.min(100, p + step)))).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('a load step as long as a soak', () => {
  it('checks its early stop over 300,000 latencies without overflowing the stack', () => {
    const latencies = Array.from({ length: 300_000 }, (_, i) => 40 + (i % 50));
    expect(cannotMeetLimits({ max: { max: 100 } }, { count: 1_000_000, failures: 0, latencies })).toBeUndefined();
    latencies.push(250);
    expect(cannotMeetLimits({ max: { max: 100 } }, { count: 1_000_000, failures: 0, latencies })).toBe('max cannot stay at or below 100 ms: one transaction took 250 ms');
  });
});
