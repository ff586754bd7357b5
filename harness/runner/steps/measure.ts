/** Takes a step's measurement: elapsed time since a reference point, or a value it observed. */
import type { Measurement } from '../../core/record.js';
import type { MeasureSpec } from '../../config/types.js';
import { measurement } from '../../expect/limits.js';
import type { StepContext } from '../step-context.js';

export function takeMeasurement(spec: MeasureSpec, ctx: StepContext, stepStart: number, end: number, observed: unknown): Measurement {
  if (spec.value !== undefined) {
    const value = atPointer(observed, spec.value);
    return measurement(spec.name, typeof value === 'number' ? value : Number.NaN, spec.unit, spec.limits);
  }
  const from = spec.since === 'step' ? stepStart : spec.since === 'case' ? ctx.caseStart : (ctx.stepStarts.get(spec.since.stepId) ?? stepStart);
  const ms = end - from;
  const value = spec.unit === 's' ? ms / 1000 : ms;
  return measurement(spec.name, Math.round(value * 1000) / 1000, spec.unit, spec.limits);
}

export function atPointer(value: unknown, pointer: string): unknown {
  let current = value;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function measurementFailure(measurements: readonly Measurement[]): string | undefined {
  const failed = measurements.find((m) => m.verdict === 'FAIL');
  if (!failed) return undefined;
  // measure.value pointed at nothing, or at something other than a number: no bound is at fault.
  if (Number.isNaN(failed.value)) return `${failed.name} has no value: the answer holds no number where measure.value points`;
  const { min, max } = failed.limits;
  const bound = max !== undefined && failed.value > max ? `above the maximum ${max}` : min !== undefined ? `below the minimum ${min}` : 'not a number';
  return `${failed.name} = ${failed.value} ${failed.unit}, ${bound} ${failed.unit}`;
}
