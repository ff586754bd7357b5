import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LoadWindow } from '../core/load-series.js';
import { clock, driftOf, driftWindows, judgeDrift, overWindowLimits, windowName, worstWindowMeasurements } from './degradation.js';

const HARNESS = { rssMiB: 90, heapUsedMiB: 20, loopDelayP99Ms: 1, loopDelayMaxMs: 2 };

function win(index: number, figures: Partial<LoadWindow> = {}, windowMs = 60_000): LoadWindow {
  return { index, startMs: index * windowMs, endMs: (index + 1) * windowMs, transactions: 100, succeeded: 100, successRate: 100, tps: 1.7, p50: 40, p95: 55, p99: 60, max: 70, harness: HARNESS, ...figures };
}

describe('window names', () => {
  it('say the window number from 1 and its time span from the start of the measured period', () => {
    expect(windowName(win(6, {}, 10_000))).toBe('window 7 (1:00–1:10)');
    expect(windowName(win(119))).toBe('window 120 (1:59:00–2:00:00)');
    expect(clock(7_200_000)).toBe('2:00:00');
  });
});

describe('window limits', () => {
  it('fail a full window over its limit, naming the window, the figure and the limit', () => {
    const over = overWindowLimits(win(7, { p99: 812 }, 10_000), { p99: { max: 500 }, successRate: { min: 99 } });
    expect(over).toEqual({ figures: ['p99'], reason: 'window 8 (1:10–1:20): p99 = 812 ms, above the maximum 500 ms' });
    expect(overWindowLimits(win(0, { successRate: 97.5 }), { successRate: { min: 99 } }).reason).toBe('window 1 (0:00–1:00): successRate = 97.5 %, below the minimum 99 %');
  });

  it('leave partial windows and figures a window lacks unjudged', () => {
    expect(overWindowLimits(win(3, { p99: 900, partial: true }), { p99: { max: 500 } })).toEqual({ figures: [] });
    expect(overWindowLimits(win(3, { p99: null, successRate: null, transactions: 0 }), { p99: { max: 500 } })).toEqual({ figures: [] });
    expect(overWindowLimits(win(3), { temperatureC: { max: 50 } })).toEqual({ figures: [] });
    expect(overWindowLimits(win(3, { terminal: { temperatureC: 71.5 } }), { temperatureC: { max: 70 } }).reason).toBe('window 4 (3:00–4:00): temperatureC = 71.5 °C, above the maximum 70 °C');
  });

  it('measure the worst window of each limited figure, a failing one before any passing one', () => {
    const windows = [win(0, { p99: 80 }), win(1, { p99: 95, successRate: 98 }), win(2, { p99: 1200, partial: true })];
    const [p99, rate] = worstWindowMeasurements(windows, { p99: { max: 90 }, successRate: { min: 99 } });
    expect(p99).toMatchObject({ name: 'p99 of window 2 (1:00–2:00)', value: 95, unit: 'ms', verdict: 'FAIL' });
    expect(rate).toMatchObject({ name: 'successRate of window 2 (1:00–2:00)', value: 98, verdict: 'FAIL' });
    // A marginal band on a higher-is-better figure: the failing window wins over the lowest passing one.
    const [m] = worstWindowMeasurements([win(0, { tps: 3 }), win(1, { tps: 12 })], { tps: { max: 10 } });
    expect(m).toMatchObject({ value: 12, verdict: 'FAIL' });
  });
});

describe('drift', () => {
  it('is how much worse the last window is than the first: up for latency, down for success and throughput', () => {
    expect(driftOf('p99', 100, 130, { relative: 0.2 })).toBeCloseTo(30);
    expect(driftOf('p99', 100, 80, { relative: 0.2 })).toBeCloseTo(-20);
    expect(driftOf('successRate', 100, 98.5, { absolute: 1 })).toBeCloseTo(1.5);
    expect(driftOf('freeMemoryKb', 60_000, 30_000, { relative: 0.1 })).toBeCloseTo(50);
    expect(driftOf('p99', 0, 5, { relative: 0.2 })).toBe(Infinity);
  });

  it('compares the first and last full windows after the ramp and names both when it fails', () => {
    const windows = [win(0, { p99: 20 }), win(1, { p99: 60 }), win(2, { p99: 62 }), win(3, { p99: 80 }), win(4, { p99: 300, partial: true })];
    const verdict = judgeDrift(windows, { p99: { relative: 0.2 }, successRate: { absolute: 1 } }, 60_000);
    expect(verdict.compared).toEqual({ first: 1, last: 3 });
    expect(verdict.measurements.map((m) => [m.name, m.value, m.unit, m.limits.max, m.verdict])).toEqual([
      ['p99 drift', 33.333, '%', 20, 'FAIL'],
      ['successRate drift', 0, '%', 1, 'PASS'],
    ]);
    expect(verdict.reason).toBe('p99 drift from window 2 (1:00–2:00) to window 4 (3:00–4:00): 60 → 80 ms, worse by 33.333 %, above the allowed 20 %');
  });

  it('passes a terminal that got faster, and cannot judge a step with fewer than two full windows', () => {
    expect(judgeDrift([win(0, { p99: 90 }), win(1, { p99: 50 })], { p99: { relative: 0.1 } }).reason).toBeUndefined();
    const short = judgeDrift([win(0), win(1, { partial: true })], { p99: { relative: 0.1 } });
    expect(short.reason).toBe('drift needs two full windows after the ramp to compare, and the step had 1');
    expect(short.measurements[0]!.verdict).toBe('FAIL');
  });

  it('agrees with the allowance for any pair of figures: passing exactly when the change is within it', () => {
    const value = fc.double({ min: 1, max: 10_000, noNaN: true });
    fc.assert(
      fc.property(value, value, fc.double({ min: 0, max: 200, noNaN: true }), fc.boolean(), (first, last, allowance, relative) => {
        const a = relative ? { relative: allowance / 100 } : { absolute: allowance };
        const verdict = judgeDrift([win(0, { p99: first }), win(1, { p99: last })], { p99: a });
        const worse = relative ? (100 * (last - first)) / first : last - first;
        // The figure is rounded to 0.001 before it is judged.
        if (Math.abs(worse - allowance) < 0.001) return true;
        return (verdict.measurements[0]!.verdict === 'PASS') === worse <= allowance;
      }),
    );
  });

  it('skips ramp windows and empty ones when it picks the pair', () => {
    const windows = [win(0), win(1, { transactions: 0, succeeded: 0, successRate: null, p99: null }), win(2), win(3)];
    expect(driftWindows(windows, 30_000)).toMatchObject({ first: { index: 2 }, last: { index: 3 } });
    expect(driftWindows(windows.slice(0, 3), 30_000)).toBeUndefined();
  });
});
