import type { Step } from '../../config/types.js';
import type { StepContext } from '../step-context.js';
import { runAbsent, runAwait } from './await.js';
import { runDo } from './do.js';
import { runLoad } from './load.js';
import type { StepResult } from './result.js';
import { runExec, runPrompt, runWait } from './simple.js';
import { runSame } from './same.js';
import { runStimulus } from './stimulus.js';

export type { StepResult } from './result.js';

export function runStepKind(step: Step, ctx: StepContext, start: number): Promise<StepResult> {
  switch (step.kind) {
    case 'do':
      return runDo(step, ctx, start);
    case 'stimulus':
      return runStimulus(step, ctx);
    case 'await':
      return runAwait(step, ctx, start);
    case 'absent':
      return runAbsent(step, ctx);
    case 'wait':
      return runWait(step, ctx);
    case 'exec':
      return runExec(step, ctx);
    case 'prompt':
      return runPrompt(step, ctx);
    case 'load':
      return runLoad(step, ctx);
    case 'same':
      return runSame(step, ctx);
  }
}
