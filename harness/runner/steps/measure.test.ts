import { describe, expect, it } from 'vitest';
import { measurementFailure } from './measure.js';

describe('measurementFailure', () => {
  it('names the bound a value broke', () => {
    expect(measurementFailure([{ name: 'free-memory', value: 100, unit: 'KiB', limits: { min: 512 }, verdict: 'FAIL' }])).toBe('free-memory = 100 KiB, below the minimum 512 KiB');
  });

  it('says a measure.value that found no number, not a bound, when there was none', () => {
    expect(measurementFailure([{ name: 'free-memory', value: Number.NaN, unit: 'KiB', limits: { min: 512 }, verdict: 'FAIL' }])).toBe('free-memory has no value: the answer holds no number where measure.value points');
  });
});
