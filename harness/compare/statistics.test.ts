import { describe, expect, it } from 'vitest';
import { compareDistributions } from './compare.js';
import { mannWhitneyU, median, normalCdf, quantile } from './statistics.js';

describe('statistics', () => {
  it('computes quantiles by linear interpolation', () => {
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(quantile([10, 20, 30, 40, 50], 0.95)).toBeCloseTo(48);
  });

  it('matches standard normal table values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 3);
    expect(normalCdf(-2.576)).toBeCloseTo(0.005, 3);
  });

  it('gives a tiny p-value for separated samples and a large one for the same sample', () => {
    const a = Array.from({ length: 30 }, (_, i) => 40 + i);
    const b = a.map((v) => v + 40);
    expect(mannWhitneyU(a, b)).toBeLessThan(1e-6);
    expect(mannWhitneyU(a, [...a])).toBeGreaterThan(0.9);
  });

  it('calls a shifted latency distribution slower, and noise no change', () => {
    const base = Array.from({ length: 100 }, (_, i) => 40 + ((i * 37) % 20));
    expect(compareDistributions('x', base, base.map((v) => v * 1.3)).finding).toBe('slower');
    expect(compareDistributions('x', base, base.map((v, i) => v + (i % 2 ? 0.5 : -0.5))).finding).toBe('no significant change');
  });
});
