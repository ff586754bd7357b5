import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDrift, parseDuration, parseRate } from './quantities.js';

describe('suite quantities', () => {
  it('reads durations with units, compound ones, and bare milliseconds', () => {
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration(1500)).toBe(1500);
    for (const bad of ['', '2', 'h', '2 hours', '2d', '1h 30m', '-5s', '5s!']) expect(parseDuration(bad), bad).toBeUndefined();
    expect(parseDuration(-1)).toBeUndefined();
  });

  it('reads rates per second, minute or hour', () => {
    expect(parseRate('5/s')).toBe(5);
    expect(parseRate('120/m')).toBe(2);
    expect(parseRate('1800/h')).toBe(0.5);
    expect(parseRate(0.25)).toBe(0.25);
    for (const bad of ['5', '0/s', '5/d', 's/5', '']) expect(parseRate(bad), bad).toBeUndefined();
  });

  it('reads drift as a percentage or as an amount', () => {
    expect(parseDrift('20%')).toEqual({ relative: 0.2 });
    expect(parseDrift(1)).toEqual({ absolute: 1 });
    expect(parseDrift('20')).toBeUndefined();
    expect(parseDrift(-1)).toBeUndefined();
  });

  it('writes any whole number of seconds so that it reads back the same', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 400_000 }), (s) => parseDuration(formatDuration(s * 1000)) === s * 1000));
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(3_600_000)).toBe('1h');
  });
});
