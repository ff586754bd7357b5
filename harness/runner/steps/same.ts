/** `same`: two saved results must not differ, except where the step allows it. */
import type { SameStep } from '../../config/types.js';
import { differences } from '../../expect/diff.js';
import type { StepContext } from '../step-context.js';
import { describeIssues, type StepResult } from './result.js';

export async function runSame(step: SameStep, ctx: StepContext): Promise<StepResult> {
  const missing = [step.before, step.after].filter((name) => !ctx.saved.has(name));
  if (missing.length > 0) return { outcome: 'ERROR', reason: `nothing was saved as ${missing.join(' and ')} in this case (use save: NAME on a do step)` };
  const issues = differences(ctx.saved.get(step.before), ctx.saved.get(step.after), step.ignore);
  const request = { before: step.before, after: step.after, ignore: step.ignore };
  return issues.length === 0
    ? { request, outcome: 'PASS' }
    : { request, issues, observed: { differences: issues.length }, outcome: 'FAIL', reason: `${step.after} differs from ${step.before}: ${describeIssues(issues)}` };
}
