import type { Measurement, ValidationIssue } from '../../core/record.js';
import type { Verdict } from '../outcome-of.js';

/** What a step kind reports; the executor adds timing, transcript and masking. */
export interface StepResult extends Verdict {
  request?: unknown;
  expected?: unknown;
  observed?: unknown;
  issues?: ValidationIssue[];
  /** Said of a step that passed: a check that looked at nothing (`harness/expect/unchecked.ts`). */
  warnings?: string[];
  measurements?: Measurement[];
  details?: Record<string, unknown>;
}

export function describeIssues(issues: readonly ValidationIssue[]): string {
  const shown = issues.slice(0, 3).map((i) => `${i.path} ${i.message}`);
  return shown.join('; ') + (issues.length > 3 ? `; and ${issues.length - 3} more` : '');
}
