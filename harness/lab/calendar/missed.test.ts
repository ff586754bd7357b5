import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firingsBetween } from './cron.js';
import { missedFirings } from './missed.js';

const at = (text: string) => new Date(text);
const MIN = 60_000;

describe('missedFirings', () => {
  const morning = { cron: '30 7 * * *', tz: 'Asia/Shanghai' };

  it('reports a morning check that never started, and not one that started a little late', () => {
    const fired = [at('2026-11-23T23:30:20Z'), at('2026-11-25T23:29:50Z')];
    expect(missedFirings(morning, at('2026-11-23T12:00:00Z'), at('2026-11-26T01:00:00Z'), fired, 10 * MIN)).toEqual([at('2026-11-24T23:30:00Z')]);
  });

  it('counts a run more than a minute away from the fire time as a different one', () => {
    expect(missedFirings(morning, at('2026-11-25T12:00:00Z'), at('2026-11-26T01:00:00Z'), [at('2026-11-25T23:31:01Z')], 0)).toEqual([at('2026-11-25T23:30:00Z')]);
  });

  it('waits for the grace time before calling a firing missed', () => {
    const from = at('2026-11-25T12:00:00Z');
    expect(missedFirings(morning, from, at('2026-11-25T23:35:00Z'), [], 10 * MIN)).toEqual([]);
    expect(missedFirings(morning, from, at('2026-11-25T23:40:00Z'), [], 10 * MIN)).toEqual([at('2026-11-25T23:30:00Z')]);
  });

  it('takes `from` as exclusive: a firing already judged is not judged again', () => {
    expect(missedFirings(morning, at('2026-11-25T23:30:00Z'), at('2026-11-26T23:45:00Z'), [], 0)).toEqual([at('2026-11-26T23:30:00Z')]);
  });

  it('expects no run in the hour Berlin skips in spring and two in the hour it repeats in autumn', () => {
    const nightly = { cron: '30 2 * * *', tz: 'Europe/Berlin' };
    expect(missedFirings(nightly, at('2026-03-28T12:00:00Z'), at('2026-03-29T12:00:00Z'), [], 0)).toEqual([]);
    expect(missedFirings(nightly, at('2026-10-24T12:00:00Z'), at('2026-10-25T12:00:00Z'), [at('2026-10-25T00:30:05Z')], 0)).toEqual([at('2026-10-25T01:30:00Z')]);
  });

  it('finds exactly the firings whose runs are left out, whatever their small delays', () => {
    const hourly = { cron: '0 * * * *', tz: 'UTC' };
    const from = at('2026-11-26T00:00:00Z');
    const now = at('2026-11-26T12:00:00Z');
    const due = firingsBetween(hourly, from, now);
    expect(due).toHaveLength(12);
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), fc.array(fc.integer({ min: -59_999, max: 59_999 }), { minLength: 12, maxLength: 12 }), (ran, delays) => {
        const fired = due.flatMap((d, i) => (ran[i] ? [new Date(d.getTime() + delays[i]!)] : [])).reverse();
        const expected = due.filter((_, i) => !ran[i]);
        const missed = missedFirings(hourly, from, now, fired, 0);
        return missed.length === expected.length && missed.every((d, i) => d.getTime() === expected[i]!.getTime());
      }),
      { numRuns: 30 },
    );
  });
});
