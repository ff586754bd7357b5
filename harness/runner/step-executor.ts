/**
 * Runs one step and always returns its record: every exception is turned into an outcome here
 * and nowhere else. Each step kind lives in steps/; this file adds what all share — timing, the
 * time limit, the transcript range and its excerpt, masking of what goes into the record, and
 * the terminal's link (link-guard.ts): waited for, watched, and followed through a restart.
 */
import { getEventListeners } from 'node:events';
import { DeviceError } from '../core/errors.js';
import { isoNow } from '../core/iso-now.js';
import type { StepRecord } from '../core/record.js';
import type { Step } from '../config/types.js';
import { maskText, maskValue } from '../evidence/mask.js';
import { linkBeforeStep, watchLink } from './link-guard.js';
import { outcomeOf } from './outcome-of.js';
import type { StepContext } from './step-context.js';
import { runStepKind, type StepResult } from './steps/index.js';

/** Extra time a step gets beyond its own limit before the executor gives up on it. */
const GRACE_MS = 1000;

/**
 * A step's guard, kept for the next step of the same context with the context the step kinds
 * get (the case's, with the guard's signal): Node 20 makes an AbortSignal slowly (an EventTarget
 * whose prototype is set after it is made), and copying the context each step cost more than
 * the rest of the executor. A guard is kept only while nothing aborted it and no listener is
 * left on its signal, so a later step never wakes a listener of an earlier one. The context of
 * a case attempt is not changed once made (step-context.ts), so its copy stays true.
 */
interface Guard {
  controller: AbortController;
  stepCtx: StepContext;
}

const spareGuards = new WeakMap<StepContext, Guard>();

function takeGuard(ctx: StepContext): Guard {
  const spare = spareGuards.get(ctx);
  spareGuards.delete(ctx);
  if (spare && !spare.controller.signal.aborted) return spare;
  const controller = new AbortController();
  return { controller, stepCtx: { ...ctx, signal: controller.signal } };
}

function keepGuard(ctx: StepContext, guard: Guard): void {
  const signal = guard.controller.signal;
  if (!signal.aborted && getEventListeners(signal, 'abort').length === 0) spareGuards.set(ctx, guard);
}

export async function executeStep(step: Step, ctx: StepContext): Promise<StepRecord> {
  // A terminal on its way back is waited for before the step's clock starts.
  const blocked = ctx.link && ctx.link.state !== 'up' ? await linkBeforeStep(ctx.link, ctx.signal) : undefined;
  const startedAt = isoNow();
  const start = performance.now();
  if (step.id) ctx.stepStarts.set(step.id, start);
  const from = ctx.transcript.next;
  // The step's own signal: aborted by the run's signal or by the overrun guard. One listener
  // on the run's signal, removed when the step ends (AbortSignal.any costs ~45 µs per call and
  // ties a WeakRef to the run-long signal, which on a per-step path shows in every figure).
  const kept = takeGuard(ctx);
  const guard = kept.controller;
  const forward = () => guard.abort(ctx.signal.reason);
  if (ctx.signal.aborted) forward();
  else ctx.signal.addEventListener('abort', forward, { once: true });
  let timer: NodeJS.Timeout | undefined;
  let result: StepResult;
  const watch = ctx.link && !blocked ? watchLink(step, ctx.link, ctx.linkDropMs ?? 0, (cause) => guard.abort(cause)) : undefined;
  if (blocked) {
    result = blocked;
    ctx.signal.removeEventListener('abort', forward);
  } else {
    try {
      // The step, or the overrun guard when the step kind does not end by itself.
      result = await new Promise<StepResult>((resolve, reject) => {
        timer = setTimeout(() => {
          guard.abort();
          reject(new DeviceError('E_STEP_TIMEOUT', `the step did not finish within ${step.timeoutMs} ms`));
        }, step.timeoutMs + GRACE_MS);
        runStepKind(step, kept.stepCtx, start).then(resolve, reject);
      });
    } catch (error) {
      result = outcomeOf(error, ctx.signal);
    } finally {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', forward);
    }
  }
  if (watch) result = await watch.finish(result, ctx.signal);
  keepGuard(ctx, kept);
  if (ctx.signal.aborted && result.outcome !== 'PASS') result = { ...result, outcome: 'ABORTED', reason: 'the run was interrupted' };
  const to = ctx.transcript.next;
  // Built by assignment: object spreads of optional parts cost more than the rest of the record
  // (V8 copies each spread through a runtime call), and this runs once per step.
  const record: StepRecord = { index: step.index, kind: step.kind, label: step.label, outcome: result.outcome, startedAt, durationMs: Math.round((performance.now() - start) * 1000) / 1000, timeoutMs: step.timeoutMs };
  // A reason quotes the terminal (its refusal, the values a check saw): masked like the rest.
  if (result.reason) record.reason = maskText(result.reason);
  if (result.request !== undefined) record.request = maskValue(result.request);
  if (result.expected !== undefined) record.expected = maskedExpectation(result.expected);
  if (result.observed !== undefined) record.observed = maskValue(result.observed);
  if (result.issues?.length) record.issues = maskValue(result.issues);
  if (result.warnings?.length) record.warnings = result.warnings.map(maskText);
  if (result.measurements?.length) record.measurements = result.measurements;
  if (result.details) record.details = maskValue(result.details);
  record.transcript = result.outcome === 'PASS' ? { from, to } : { from, to, excerpt: ctx.transcript.excerpt(from, to) };
  return record;
}

/**
 * A step's expectation is the author's schema: a card number written into it (a `not: {pattern:
 * …}` against a leak) is masked for the record. Most steps hand the same schema object at every
 * run, so its masked copy is kept for the next; a wrapper made per run (`{ error: … }`) is masked
 * each time.
 */
const maskedExpectations = new WeakMap<object, unknown>();
function maskedExpectation(expected: unknown): unknown {
  if (typeof expected !== 'object' || expected === null) return maskValue(expected);
  let masked = maskedExpectations.get(expected);
  if (masked === undefined) maskedExpectations.set(expected, (masked = maskValue(expected)));
  return masked;
}
