import cronParser from 'cron-parser';
import { describe, expect, it } from 'vitest';
import { checkCron, checkTimeZone, firingsBetween, latestFiring, nextFiring } from './cron.js';

const iso = (dates: readonly (Date | undefined)[]) => dates.map((d) => d?.toISOString());

/**
 * What pg-boss 10's clock sends: every tick (it looks at least once a minute) it fires a schedule
 * whose cron-parser `prev()` from now is less than 60 s ago. Ticks of 50 s catch every firing.
 */
function pgBossFirings(cron: string, tz: string, from: string, to: string): string[] {
  const sent = new Set<string>();
  for (let t = Date.parse(from); t <= Date.parse(to); t += 50_000) {
    const prev = cronParser.parseExpression(cron, { tz, currentDate: new Date(t) }).prev().toDate();
    if (t - prev.getTime() < 60_000 && prev.getTime() > Date.parse(from)) sent.add(prev.toISOString());
  }
  return [...sent].sort();
}

describe('checkCron', () => {
  it('accepts five-field crons and the @ names in a known time zone', () => {
    expect(checkCron('30 7 * * *', 'Asia/Shanghai')).toBeNull();
    expect(checkCron('0 2 * * 1-5', 'Europe/Berlin')).toBeNull();
    expect(checkCron('*/15 * * * *', 'UTC')).toBeNull();
    expect(checkCron('@daily', 'UTC')).toBeNull();
  });

  it('says what is wrong with a bad cron', () => {
    expect(checkCron('61 * * * *', 'UTC')).toMatch(/cron "61 \* \* \* \*" is not valid: .*0-59/);
    expect(checkCron('every morning', 'UTC')).toMatch(/has 2 field\(s\); give five/);
    expect(checkCron('* * * *', 'UTC')).toMatch(/has 4 field\(s\)/);
    expect(checkCron('0 30 7 * * *', 'UTC')).toMatch(/seconds field/);
    expect(checkCron('0 0 30 2 *', 'UTC')).toMatch(/not valid/);
    expect(checkCron('  ', 'UTC')).toMatch(/empty/);
  });

  it('names an unknown time zone', () => {
    expect(checkCron('30 7 * * *', 'Mars/Olympus_Mons')).toBe('unknown time zone "Mars/Olympus_Mons"; give an IANA name such as Europe/Berlin, Asia/Shanghai or UTC');
    expect(checkTimeZone('+08:00')).toMatch(/unknown time zone/);
    expect(checkTimeZone('')).toMatch(/empty/);
    expect(checkTimeZone('Asia/Shanghai')).toBeNull();
  });
});

describe('firings', () => {
  const shanghai = { cron: '30 7 * * *', tz: 'Asia/Shanghai' };

  it('fires a Shanghai morning check at 07:30 local (23:30 UTC the day before), from-exclusive and to-inclusive', () => {
    expect(iso(firingsBetween(shanghai, new Date('2026-11-23T23:30:00Z'), new Date('2026-11-26T23:30:00Z')))).toEqual([
      '2026-11-24T23:30:00.000Z',
      '2026-11-25T23:30:00.000Z',
      '2026-11-26T23:30:00.000Z',
    ]);
    expect(latestFiring(shanghai, new Date('2026-11-26T23:30:00Z'))?.toISOString()).toBe('2026-11-26T23:30:00.000Z');
    expect(nextFiring(shanghai, new Date('2026-11-26T23:30:00Z'))?.toISOString()).toBe('2026-11-27T23:30:00.000Z');
    expect(firingsBetween(shanghai, new Date('2026-11-26T00:00:00Z'), new Date('2026-11-25T00:00:00Z'))).toEqual([]);
  });

  it('skips a time in the hour that Berlin skips in spring, as pg-boss does', () => {
    const span = ['2026-03-28T22:00:00Z', '2026-03-29T03:00:00Z'] as const;
    const schedule = { cron: '30 2 * * *', tz: 'Europe/Berlin' };
    expect(iso(firingsBetween(schedule, new Date('2026-03-27T12:00:00Z'), new Date('2026-03-31T12:00:00Z')))).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-30T00:30:00.000Z', // 02:30 CEST; none on the 29th
      '2026-03-31T00:30:00.000Z',
    ]);
    expect(pgBossFirings(schedule.cron, schedule.tz, ...span)).toEqual([]);
    expect(nextFiring(schedule, new Date('2026-03-28T12:00:00Z'))?.toISOString()).toBe('2026-03-30T00:30:00.000Z');
  });

  it('fires a time in the hour that Berlin repeats in autumn twice, as pg-boss does', () => {
    const schedule = { cron: '30 2 * * *', tz: 'Europe/Berlin' };
    const span = ['2026-10-24T23:00:00Z', '2026-10-25T02:30:00Z'] as const;
    const ours = iso(firingsBetween(schedule, new Date(span[0]), new Date(span[1])));
    expect(ours).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']); // 02:30 CEST, 02:30 CET
    expect(pgBossFirings(schedule.cron, schedule.tz, ...span)).toEqual(ours);
    expect(nextFiring(schedule, new Date('2026-10-25T00:45:00Z'))?.toISOString()).toBe('2026-10-25T01:30:00.000Z');
  });

  it('agrees with pg-boss on every quarter hour through both switch nights', () => {
    const schedule = { cron: '*/15 * * * *', tz: 'Europe/Berlin' };
    for (const span of [['2026-03-29T00:20:00Z', '2026-03-29T01:50:00Z'], ['2026-10-25T00:20:00Z', '2026-10-25T01:50:00Z']] as const) {
      const ours = iso(firingsBetween(schedule, new Date(span[0]), new Date(span[1])));
      expect(ours).toHaveLength(6); // every 15 min of elapsed time, whatever the wall clock does
      expect(pgBossFirings(schedule.cron, schedule.tz, span[0], span[1])).toEqual(ours);
    }
  });
});
