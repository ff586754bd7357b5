import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firingsBetween } from './cron.js';
import { checkWindow, parseWindowDuration, windowState, type MaintenanceWindow } from './window.js';

const H = 3_600_000;
const at = (text: string) => new Date(text);
const berlin = (cron: string, durationMs: number): MaintenanceWindow => ({ name: 'store-12', cron, tz: 'Europe/Berlin', durationMs });

describe('window lengths', () => {
  it('reads 3h, 90m and 1h30m with the suites\' duration parser', () => {
    expect(parseWindowDuration('3h')).toBe(3 * H);
    expect(parseWindowDuration('90m')).toBe(90 * 60_000);
    expect(parseWindowDuration('1h30m')).toBe(1.5 * H);
  });

  it('refuses lengths without a unit, shorter than a minute or longer than a week', () => {
    for (const bad of ['3', '', '0m', '30s', '169h', '3 hours', '3d']) expect(parseWindowDuration(bad), bad).toBeUndefined();
  });

  it('checks a whole window', () => {
    expect(checkWindow(berlin('0 2 * * *', 3 * H))).toBeNull();
    expect(checkWindow({ ...berlin('0 2 * * *', 3 * H), tz: 'Europe/Berlinn' })).toMatch(/^maintenance window store-12: unknown time zone "Europe\/Berlinn"/);
    expect(checkWindow(berlin('0 25 * * *', 3 * H))).toMatch(/maintenance window store-12: cron "0 25 \* \* \*" is not valid/);
    expect(checkWindow(berlin('0 2 * * *', 0))).toMatch(/duration must be between 1m and 168h/);
    // Firing again before each opening ends: never closed, so refused.
    expect(checkWindow(berlin('* * * * *', 5 * 60_000))).toMatch(/store-12: it never closes, as "\* \* \* \* \*" fires again before each 5m opening ends/);
    expect(checkWindow(berlin('*/30 * * * *', H))).toMatch(/never closes/);
    // Overlapping now and then (a window of 25 h every day) closes at last: allowed.
    expect(checkWindow(berlin('0 2 * * 1-5', 25 * H))).toBeNull();
    expect(checkWindow(berlin('*/30 * * * *', 30 * 60_000))).toBeNull();
  });
});

describe('windowState', () => {
  it('is open from the firing for its duration and closed otherwise (Asia/Shanghai, no daylight saving)', () => {
    const window: MaintenanceWindow = { name: 'store-12', cron: '0 2 * * *', tz: 'Asia/Shanghai', durationMs: 3 * H };
    expect(windowState(window, at('2026-11-26T19:00:00Z'))).toEqual({ open: true, closesAt: at('2026-11-26T21:00:00Z') }); // 03:00 CST
    expect(windowState(window, at('2026-11-26T18:00:00Z'))).toEqual({ open: true, closesAt: at('2026-11-26T21:00:00Z') }); // opens on the dot
    expect(windowState(window, at('2026-11-26T21:00:00Z'))).toEqual({ open: false, opensAt: at('2026-11-27T18:00:00Z') }); // closes on the dot
    expect(windowState(window, at('2026-11-26T17:59:59Z'))).toEqual({ open: false, opensAt: at('2026-11-26T18:00:00Z') });
  });

  it('counts the duration in elapsed time across the spring switch in Berlin', () => {
    // 01:00 CET on 29 March 2026; at 02:00 CET the clocks jump to 03:00 CEST. Three hours later it is 05:00 CEST.
    const window = berlin('0 1 * * *', 3 * H);
    expect(windowState(window, at('2026-03-29T02:30:00Z'))).toEqual({ open: true, closesAt: at('2026-03-29T03:00:00Z') });
    expect(windowState(window, at('2026-03-29T03:00:00Z'))).toEqual({ open: false, opensAt: at('2026-03-29T23:00:00Z') }); // 01:00 CEST
  });

  it('does not open that night a window whose time Berlin skips in spring (pg-boss would not fire it either)', () => {
    const window = berlin('30 2 * * *', 2 * H);
    expect(windowState(window, at('2026-03-28T02:00:00Z'))).toEqual({ open: true, closesAt: at('2026-03-28T03:30:00Z') }); // 02:30 CET on the 28th
    expect(windowState(window, at('2026-03-29T01:45:00Z'))).toEqual({ open: false, opensAt: at('2026-03-30T00:30:00Z') });
  });

  it('opens twice and stays open through both when Berlin repeats the hour in autumn', () => {
    const window = berlin('30 2 * * *', 2 * H);
    // 02:30 CEST (00:30Z) and 02:30 CET (01:30Z) both fire; the second extends the first.
    expect(windowState(window, at('2026-10-25T01:00:00Z'))).toEqual({ open: true, closesAt: at('2026-10-25T03:30:00Z') });
    expect(windowState(window, at('2026-10-25T03:00:00Z'))).toEqual({ open: true, closesAt: at('2026-10-25T03:30:00Z') });
    expect(windowState(window, at('2026-10-25T00:15:00Z'))).toEqual({ open: false, opensAt: at('2026-10-25T00:30:00Z') });
  });

  it('is open exactly when some firing is at most its duration ago, and says truly when it changes', () => {
    const window: MaintenanceWindow = { name: 'bench-a', cron: '0 */6 * * *', tz: 'Europe/Berlin', durationMs: 90 * 60_000 };
    const start = Date.parse('2026-10-24T12:00:00Z');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 48 * 60 }), (minute) => {
        const now = new Date(start + minute * 60_000);
        const recent = firingsBetween(window, new Date(now.getTime() - window.durationMs), now);
        const state = windowState(window, now);
        if (state.open !== recent.length > 0) return false;
        if (state.open) return state.closesAt > now && !windowState(window, state.closesAt).open;
        return state.opensAt !== undefined && state.opensAt > now && windowState(window, state.opensAt).open;
      }),
      { numRuns: 25 },
    );
  });
});
