import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cannotMeetLimits } from './load-early-stop.js';
import { percentile } from './load.js';

describe('cannotMeetLimits', () => {
  it('gives up on the success rate once too many transactions failed', () => {
    expect(cannotMeetLimits({ successRate: { min: 95 } }, { count: 100, failures: 5, latencies: [] })).toBeUndefined();
    expect(cannotMeetLimits({ successRate: { min: 95 } }, { count: 100, failures: 6, latencies: [] })).toBe('successRate cannot reach 95 %: 6 of 100 transactions failed already (best possible 94 %)');
  });

  it('gives up on max at the first transaction over it, and on a percentile once enough are over', () => {
    expect(cannotMeetLimits({ max: { max: 100 } }, { count: 10, failures: 0, latencies: [50, 101] })).toMatch(/^max cannot stay at or below 100 ms/);
    // p50 of 10: the 5th value; it exceeds 100 once 6 values do.
    expect(cannotMeetLimits({ p50: { max: 100 } }, { count: 10, failures: 0, latencies: [200, 200, 200, 200, 200] })).toBeUndefined();
    expect(cannotMeetLimits({ p50: { max: 100 } }, { count: 10, failures: 0, latencies: [200, 200, 200, 200, 200, 200] })).toMatch(/^p50 cannot stay at or below 100 ms: 6 of 10/);
    expect(cannotMeetLimits({ tps: { min: 1000 } }, { count: 10, failures: 0, latencies: [1] })).toBeUndefined();
  });

  it('never gives up on a run that could still pass: whatever the rest do, the verdict would be a failure', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 40 }),
        fc.constantFrom('p50', 'p95', 'p99', 'max') as fc.Arbitrary<'p50' | 'p95' | 'p99' | 'max'>,
        fc.integer({ min: 1, max: 300 }),
        (count, early, rest, name, limit) => {
          const so = early.slice(0, count);
          if (!cannotMeetLimits({ [name]: { max: limit } }, { count, failures: 0, latencies: so })) return;
          // Any completion of the run (fewer successes too) still breaks the limit.
          const final = [...so, ...rest.slice(0, count - so.length)].sort((a, b) => a - b);
          const value = name === 'max' ? final.at(-1)! : percentile(final, { p50: 50, p95: 95, p99: 99 }[name]);
          expect(value).toBeGreaterThan(limit);
        },
      ),
    );
  });
});
