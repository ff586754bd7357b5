import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { percentile, WindowRecorder } from './load-windows.js';

const HARNESS = { rssMiB: 1, heapUsedMiB: 1, loopDelayP99Ms: 0, loopDelayMaxMs: 0 };

describe('WindowRecorder', () => {
  let clock = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    clock = 0;
  });
  afterEach(() => vi.useRealTimers());
  const advance = async (ms: number) => {
    // The recorder reads its own clock; timers fire as the fake clock passes their time.
    for (let i = 0; i < ms; i += 100) {
      clock += 100;
      await vi.advanceTimersByTimeAsync(100);
    }
  };

  it('closes a window at each boundary with the figures of the transactions completed in it', async () => {
    const closed: number[] = [];
    const recorder = new WindowRecorder({ windowMs: 1000, now: () => clock, harness: () => HARNESS, onClose: (w) => closed.push(w.index) });
    recorder.begin(0);
    for (const ms of [10, 20, 30, 40]) recorder.add(true, ms);
    recorder.add(false, 5000, 'TIMEOUT');
    await advance(1000);
    recorder.add(true, 100);
    await advance(500);
    const series = await recorder.finish();
    expect(closed).toEqual([0, 1]);
    expect(series.windows).toEqual([
      { index: 0, startMs: 0, endMs: 1000, transactions: 5, succeeded: 4, successRate: 80, tps: 4, p50: 20, p95: 40, p99: 40, max: 40, failures: { TIMEOUT: 1 }, harness: HARNESS },
      { index: 1, startMs: 1000, endMs: 1500, partial: true, transactions: 1, succeeded: 1, successRate: 100, tps: 2, p50: 100, p95: 100, p99: 100, max: 100, harness: HARNESS },
    ]);
  });

  it('lets the last window of a timed step run to its end, and records an empty window as having no figures', async () => {
    const recorder = new WindowRecorder({ windowMs: 1000, endsAtMs: 2000, now: () => clock, harness: () => HARNESS });
    recorder.begin(0);
    await advance(1000);
    recorder.add(true, 50);
    await advance(1300); // transactions in flight at the deadline finish in the last window
    const series = await recorder.finish();
    expect(series.windows.map((w) => [w.startMs, w.endMs, w.partial ?? false, w.transactions, w.successRate, w.p99])).toEqual([
      [0, 1000, false, 0, null, null],
      [1000, 2300, false, 1, 100, 50],
    ]);
  });

  it('fills in the terminal health when its answer arrives, and waits for the last one', async () => {
    let n = 0;
    const recorder = new WindowRecorder({ windowMs: 1000, now: () => clock, harness: () => HARNESS, terminal: async () => ({ freeMemoryKb: 1000 - ++n, temperatureC: 40 }) });
    recorder.begin(0);
    await advance(2000);
    const series = await recorder.finish();
    expect(series.windows.map((w) => w.terminal)).toEqual([
      { freeMemoryKb: 999, temperatureC: 40 },
      { freeMemoryKb: 998, temperatureC: 40 },
    ]);
  });

  it('counts every transaction in exactly one window, whenever they come', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.boolean()), { maxLength: 60 }), async (arrivals) => {
        clock = 0;
        const recorder = new WindowRecorder({ windowMs: 700, now: () => clock, harness: () => HARNESS });
        recorder.begin(0);
        const sorted = [...arrivals].sort((a, b) => a[0] - b[0]);
        for (const [at, ok] of sorted) {
          const step = at - clock;
          clock = at;
          await vi.advanceTimersByTimeAsync(step);
          recorder.add(ok, 10);
        }
        const series = await recorder.finish();
        const sum = series.windows.reduce((n, w) => n + w.transactions, 0);
        const ok = series.windows.reduce((n, w) => n + w.succeeded, 0);
        return sum === arrivals.length && ok === arrivals.filter((a) => a[1]).length && series.windows.every((w, i) => w.index === i);
      }),
      { numRuns: 50 },
    );
  });
});

describe('percentile', () => {
  it('is the nearest rank', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
    expect(percentile([], 50)).toBeNaN();
  });
});
