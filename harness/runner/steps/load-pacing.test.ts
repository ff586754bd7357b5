import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arrivalMs, workerStartMs } from './load-pacing.js';

describe('open-loop arrivals', () => {
  it('come every 1/rate seconds without a ramp', () => {
    expect([0, 1, 2, 10].map((k) => arrivalMs(k, 5))).toEqual([0, 200, 400, 2000]);
  });

  it('rise linearly over the ramp: half the full rate on average, then the full rate', () => {
    // 10/s over a 10 s ramp: 50 arrivals during it, then one every 100 ms.
    expect(arrivalMs(50, 10, 10_000)).toBeCloseTo(10_000);
    expect(arrivalMs(51, 10, 10_000)).toBeCloseTo(10_100);
    // A quarter of the ramp's arrivals come in its first half.
    expect(arrivalMs(12.5, 10, 10_000)).toBeCloseTo(5000);
  });

  it('never go back in time, and keep the rate after the ramp', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.1, max: 100, noNaN: true }), fc.integer({ min: 0, max: 60_000 }), fc.integer({ min: 0, max: 10_000 }), (rate, ramp, k) => {
        const a = arrivalMs(k, rate, ramp);
        const b = arrivalMs(k + 1, rate, ramp);
        if (!(b >= a)) return false;
        // After the ramp the gap is exactly 1/rate.
        return a < ramp || Math.abs(b - a - 1000 / rate) < 1e-6 * Math.max(1, b);
      }),
    );
  });
});

describe('closed-loop workers', () => {
  it('join one by one over the ramp', () => {
    expect([0, 1, 2, 3].map((i) => workerStartMs(i, 4, 8000))).toEqual([0, 2000, 4000, 6000]);
    expect(workerStartMs(0, 1, 8000)).toBe(0);
  });
});
