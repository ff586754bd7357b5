/** Numeric limits with an optional marginal band (OpenHTF / TestStand style). */
import type { Limits, Measurement } from '../core/record.js';

export function judge(value: number, limits: Limits): Measurement['verdict'] {
  if (!Number.isFinite(value)) return 'FAIL';
  if (limits.min !== undefined && value < limits.min) return 'FAIL';
  if (limits.max !== undefined && value > limits.max) return 'FAIL';
  if (limits.marginalMin !== undefined && value < limits.marginalMin) return 'MARGINAL';
  if (limits.marginalMax !== undefined && value > limits.marginalMax) return 'MARGINAL';
  return 'PASS';
}

export function measurement(name: string, value: number, unit: string, limits: Limits): Measurement {
  return { name, value, unit, limits, verdict: judge(value, limits) };
}
