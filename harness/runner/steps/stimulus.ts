/** `stimulus`: have the simulator, an instrument or a person act on the terminal. */
import type { StimulusStep } from '../../config/types.js';
import type { StepContext } from '../step-context.js';
import { describeIssues, type StepResult } from './result.js';

export async function runStimulus(step: StimulusStep, ctx: StepContext): Promise<StepResult> {
  const route = ctx.stimuli.routeOf(step.stimulus);
  const request = { stimulus: step.stimulus, via: route.via, args: step.args };
  const reply = await ctx.stimuli.apply(step.stimulus, step.args, { timeoutMs: step.timeoutMs, signal: ctx.signal });
  if (reply.ok) {
    return step.expectError
      ? { request, observed: reply, outcome: 'FAIL', reason: `stimulus ${step.stimulus} was accepted; a refusal was expected` }
      : { request, observed: reply, outcome: 'PASS' };
  }
  if (step.expectError) {
    const issues = step.expectError.check(reply.error);
    return issues.length === 0
      ? { request, observed: reply, outcome: 'PASS' }
      : { request, observed: reply, issues, outcome: 'FAIL', reason: `refused, but not as expected: ${describeIssues(issues)}` };
  }
  // The stimulus never reached the terminal: that is the bench's fault, not the terminal's.
  return { request, observed: reply, outcome: 'ERROR', reason: `stimulus ${step.stimulus} via ${route.via} failed: ${reply.error.code} ${reply.error.message}` };
}
