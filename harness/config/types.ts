/** Resolved, frozen configuration: what the runner executes. Built by suite.ts and profile.ts. */
import type { Troubleshoot } from '../core/failure-kind.js';
import type { Limits } from '../core/record.js';
import type { DriftLimits, WindowLimits } from '../expect/degradation.js';
import type { Expectation } from '../expect/expectations.js';

export interface MeasureSpec {
  name: string;
  unit: string;
  /** JSON pointer into the observed value; without it, elapsed ms since `since`. */
  value?: string;
  since: 'step' | 'case' | { stepId: string };
  limits: Limits;
}

interface StepBase {
  index: number;
  id?: string;
  label: string;
  /** Where the step is written, for errors and the report. */
  pointer: string;
  timeoutMs: number;
}

export interface DoStep extends StepBase {
  kind: 'do';
  verb: string;
  args: Record<string, unknown>;
  expect?: Expectation;
  expectError?: Expectation;
  measure?: MeasureSpec;
  /** Keep the result under this name for a later `same` step or `${NAME.path}` in args. */
  save?: string;
  /** The args refer to saved results (`${NAME.path}`): resolved when the step runs. */
  references?: true;
}

export interface StimulusStep extends StepBase {
  kind: 'stimulus';
  stimulus: string;
  args: Record<string, unknown>;
  expectError?: Expectation;
}

export interface AwaitStep extends StepBase {
  kind: 'await';
  event: string;
  /** A saved result's name: only events with its txnId count. */
  of?: string;
  where?: Expectation;
  expect?: Expectation;
  measure?: MeasureSpec;
}

export interface AbsentStep extends StepBase {
  kind: 'absent';
  event: string;
  /** A saved result's name: only events with its txnId count. */
  of?: string;
  where?: Expectation;
}

export interface WaitStep extends StepBase {
  kind: 'wait';
  ms: number;
}

export interface ExecStep extends StepBase {
  kind: 'exec';
  command: string[];
  expect?: Expectation;
}

export interface PromptStep extends StepBase {
  kind: 'prompt';
  text: string;
}

export interface LoadSpec {
  verb: string;
  args: Record<string, unknown>;
  stimulus: string;
  stimulusArgs: Record<string, unknown>;
  await: string;
  success?: Expectation;
  /** Measured transactions to run; with `durationMs` too, whichever is reached first ends the step. */
  count?: number;
  /** How long the measured period lasts, ms. */
  durationMs?: number;
  warmup: number;
  /** Closed loop: transactions in flight at once. Open loop (`ratePerS`): the most in flight at once. */
  concurrency: number;
  /** Open loop: arrivals per second, whatever the terminal does. */
  ratePerS?: number;
  /** Linear ramp at the start of the measured period, ms (0: none). */
  rampMs: number;
  /** Length of one window of the time series, ms. */
  windowMs: number;
  /** Ask the terminal for its health (`status`) at each window's end. */
  health: boolean;
  transactionTimeoutMs: number;
  limits: Partial<Record<'successRate' | 'tps' | 'p50' | 'p95' | 'p99' | 'max', Limits>>;
  /** Limits every full window must meet. */
  windowLimits: WindowLimits;
  /** How far a figure may drift from the first full window after the ramp to the last. */
  drift: DriftLimits;
}

export interface LoadStep extends StepBase {
  kind: 'load';
  load: LoadSpec;
}

export interface SameStep extends StepBase {
  kind: 'same';
  before: string;
  after: string;
  ignore: string[];
}

export type Step = SameStep | DoStep | StimulusStep | AwaitStep | AbsentStep | WaitStep | ExecStep | PromptStep | LoadStep;

export interface Case {
  id: string;
  title?: string;
  mandatory: boolean;
  tags: string[];
  requires: string[];
  /** One text for every failure, or one per kind of failure (limit, refused, schema, timeout, link, other). */
  troubleshoot?: Troubleshoot;
  /** Line of the case in its suite file. */
  line?: number;
  steps: Step[];
}

export interface Suite {
  id: string;
  title?: string;
  file: string;
  path: string;
  sha256: string;
  cases: Case[];
}
