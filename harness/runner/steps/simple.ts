/** `wait`, `exec` and `prompt`: steps that need no terminal verb. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecStep, PromptStep, WaitStep } from '../../config/types.js';
import type { StepContext } from '../step-context.js';
import { describeIssues, type StepResult } from './result.js';

export async function runWait(step: WaitStep, ctx: StepContext): Promise<StepResult> {
  await sleep(step.ms, undefined, { signal: ctx.signal });
  return { outcome: 'PASS' };
}

export async function runExec(step: ExecStep, ctx: StepContext): Promise<StepResult> {
  const [file, ...args] = step.command as [string, ...string[]];
  const { execa } = await import('execa'); // loaded only by runs with exec steps
  const result = await execa(file, args, { reject: false, timeout: step.timeoutMs, cancelSignal: ctx.signal, stdin: 'ignore' });
  const observed = { exitCode: result.exitCode ?? null, stdout: clip(result.stdout), stderr: clip(result.stderr) };
  const request = { command: step.command };
  if (result.timedOut) return { request, observed, outcome: 'TIMEOUT', reason: `${file} did not finish within ${step.timeoutMs} ms` };
  if (result.code === 'ENOENT' || (result.failed && result.exitCode === undefined && !result.isCanceled)) {
    return { request, observed, outcome: 'ERROR', reason: `cannot run ${file}: ${result.shortMessage}` };
  }
  if (step.expect) {
    const issues = step.expect.check(observed);
    return issues.length === 0
      ? { request, observed, expected: step.expect.schema, outcome: 'PASS' }
      : { request, observed, expected: step.expect.schema, issues, outcome: 'FAIL', reason: describeIssues(issues) };
  }
  return observed.exitCode === 0
    ? { request, observed, outcome: 'PASS' }
    : { request, observed, expected: { exitCode: 0 }, outcome: 'FAIL', reason: `${file} exited with ${observed.exitCode ?? result.signal}` };
}

export async function runPrompt(step: PromptStep, ctx: StepContext): Promise<StepResult> {
  const reply = await ctx.stimuli.apply('prompt', { text: step.text }, { timeoutMs: step.timeoutMs, signal: ctx.signal });
  return reply.ok
    ? { request: { prompt: step.text }, observed: reply.result, outcome: 'PASS' }
    : { request: { prompt: step.text }, observed: reply.error, outcome: reply.error.code === 'OPERATOR_DECLINED' ? 'FAIL' : 'ERROR', reason: reply.error.message };
}

function clip(text: unknown): string {
  const s = typeof text === 'string' ? text : '';
  return s.length > 4000 ? s.slice(0, 2000) + '\n…\n' + s.slice(-2000) : s;
}
