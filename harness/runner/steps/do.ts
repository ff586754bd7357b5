/** `do`: send a verb; check the result (`expect`) or the refusal (`expectError`). */
import { resolveReferences } from '../../config/saved-refs.js';
import type { DoStep } from '../../config/types.js';
import type { StepContext } from '../step-context.js';
import { measurementFailure, takeMeasurement } from './measure.js';
import { describeIssues, type StepResult } from './result.js';

export async function runDo(step: DoStep, ctx: StepContext, start: number): Promise<StepResult> {
  let args = step.args;
  if (step.references) {
    try {
      args = resolveReferences(step.args, ctx.saved) as Record<string, unknown>;
    } catch (error) {
      return { request: { verb: step.verb, args: step.args }, outcome: 'ERROR', reason: (error as Error).message };
    }
  }
  const reply = await ctx.terminal.call(step.verb, args, { timeoutMs: step.timeoutMs, signal: ctx.signal });
  const end = performance.now();
  const base = { request: { verb: step.verb, args } };
  if (!reply.ok) {
    const observed = { error: reply.error };
    if (!step.expectError) {
      // The driver's own refusal (nothing was sent) says nothing about the terminal: the suite's args, or the state of the link.
      if (reply.error.unsent) return { ...base, observed, outcome: 'ERROR', reason: `poshil's ${ctx.terminal.protocol} driver did not send ${step.verb}: ${reply.error.code} ${reply.error.message}` };
      return { ...base, observed, outcome: 'FAIL', reason: `the terminal refused ${step.verb}: ${reply.error.code} ${reply.error.message}` };
    }
    const issues = step.expectError.check(reply.error);
    const warnings = step.expectError.unchecked(reply.error, 'error');
    return issues.length === 0
      ? { ...base, observed, expected: { error: step.expectError.schema }, outcome: 'PASS', ...(warnings.length ? { warnings } : {}) }
      : { ...base, observed, expected: { error: step.expectError.schema }, issues, outcome: 'FAIL', reason: `refused, but not as expected: ${describeIssues(issues)}` };
  }
  const observed = { result: reply.result };
  ctx.inbox.own(reply.result);
  if (step.save) ctx.saved.set(step.save, reply.result);
  if (step.expectError) {
    return { ...base, observed, expected: { error: step.expectError.schema }, outcome: 'FAIL', reason: `the terminal accepted ${step.verb}; a refusal was expected` };
  }
  const issues = step.expect?.check(reply.result) ?? [];
  const measurements = step.measure ? [takeMeasurement(step.measure, ctx, start, end, reply.result)] : [];
  const expected = step.expect ? { result: step.expect.schema } : undefined;
  const warnings = step.expect?.unchecked(reply.result, 'result') ?? [];
  if (issues.length > 0) {
    return { ...base, observed, expected, issues, measurements, outcome: 'FAIL', reason: `the result does not match the expectation: ${describeIssues(issues)}`, ...(warnings.length ? { warnings } : {}) };
  }
  const overLimit = measurementFailure(measurements);
  // The path of every passing step: assigned, not spread (see step-executor.ts).
  const passed: StepResult = { request: base.request, observed, expected, measurements, outcome: overLimit ? 'FAIL' : 'PASS' };
  if (overLimit) passed.reason = overLimit;
  if (warnings.length) passed.warnings = warnings;
  return passed;
}
