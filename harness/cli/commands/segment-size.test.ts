import { describe, expect, it } from 'vitest';
import { parseSegmentSize } from './segment-size.js';

describe('--segment-size', () => {
  it('takes bytes with or without a unit', () => {
    expect(parseSegmentSize(undefined)).toBeUndefined();
    expect(parseSegmentSize('64MiB')).toBe(64 * 1024 * 1024);
    expect(parseSegmentSize('512KiB')).toBe(512 * 1024);
    expect(parseSegmentSize('1.5 mb')).toBe(1_500_000);
    expect(parseSegmentSize('100000')).toBe(100_000);
    expect(parseSegmentSize('1G')).toBe(1024 ** 3);
  });

  it('refuses what is not a size, or too small or too large, naming the option', () => {
    for (const bad of ['', 'big', '10', '-5MiB', '64 MiBs', '5GiB', '1e6']) expect(() => parseSegmentSize(bad), bad).toThrow(/--segment-size must be a size from 1KiB to 4GiB/);
  });
});
