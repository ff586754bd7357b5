/**
 * Runs one case: up to 1 + retries attempts, each with its own event inbox; after a step that
 * did not pass, the rest of the attempt is SKIPPED. Every attempt is kept in the record.
 */
import type { Terminal } from '../../devices/drivers/terminal.js';
import { failureKindOf, troubleshootFor } from '../core/failure-kind.js';
import type { AttemptRecord, CaseRecord, StepRecord } from '../core/record.js';
import type { Case } from '../config/types.js';
import type { Transcript } from '../evidence/transcript.js';
import type { CaseRef, StepProgress, StepStart } from '../reporters/reporter.js';
import { EventInbox } from './inbox.js';
import { executeStep } from './step-executor.js';
import type { StepContext } from './step-context.js';
import type { StimulusRouter } from './stimuli.js';
import type { ReconnectingTerminal } from './reconnecting-terminal.js';
import type { TransactionLedger } from './transactions.js';

export interface CaseEnvironment {
  terminal: Terminal;
  /** The terminal's link when it is followed across drops (the same object as `terminal`). */
  link?: ReconnectingTerminal;
  linkDropMs?: number;
  stimuli: StimulusRouter;
  transcript: Transcript;
  /** The run's transactions, so that an attempt takes no late event of an earlier one's. */
  transactions?: TransactionLedger;
  signal: AbortSignal;
  retries: number;
  onStepEnd(ref: CaseRef, step: StepRecord): void;
  onAttemptStart(ref: CaseRef): void;
  onStepStart?(ref: CaseRef, step: StepStart): void;
  onStepProgress?(ref: CaseRef, progress: () => StepProgress): void;
}

export async function runCase(suite: string, c: Case, env: CaseEnvironment): Promise<CaseRecord> {
  const startedAt = new Date().toISOString();
  const start = performance.now();
  const attempts: AttemptRecord[] = [];
  for (let attempt = 1; attempt <= env.retries + 1; attempt++) {
    if (attempt > 1) await returnToIdle(env, 'retry');
    const ref: CaseRef = { suite, id: c.id, ...(c.title ? { title: c.title } : {}), attempt };
    env.onAttemptStart(ref);
    const record = await runAttempt(c, attempt, ref, env);
    attempts.push(record);
    if (record.outcome === 'PASS' || record.outcome === 'ABORTED' || env.signal.aborted) break;
  }
  const last = attempts.at(-1)!;
  const flaky = last.outcome === 'PASS' && attempts.length > 1;
  const stopper = last.steps.find((s) => s.outcome !== 'PASS' && s.outcome !== 'SKIPPED');
  const kind = last.outcome !== 'PASS' && last.outcome !== 'ABORTED' && stopper ? failureKindOf(stopper) : undefined;
  const troubleshoot = kind ? troubleshootFor(c.troubleshoot, kind) : undefined;
  const record: CaseRecord = {
    id: c.id,
    ...(c.title ? { title: c.title } : {}),
    suite,
    mandatory: c.mandatory,
    outcome: last.outcome,
    ...(last.reason ? { reason: last.reason } : {}),
    ...(kind ? { failureKind: kind } : {}),
    ...(troubleshoot ? { troubleshoot } : {}),
    ...(c.tags.length ? { tags: c.tags } : {}),
    ...(flaky ? { flaky } : {}),
    ...(c.line ? { line: c.line } : {}),
    startedAt,
    durationMs: Math.round(performance.now() - start),
    attempts,
  };
  // A case that did not pass may have left the terminal inside its transaction (a sale waiting
  // for a card that never came): the next case would find it busy and fail for this one's sake.
  // Not counted in the case's duration: it is the harness tidying up.
  if (last.outcome !== 'PASS' && !env.signal.aborted) await returnToIdle(env, `${suite}/${c.id} did not pass`);
  return record;
}

async function runAttempt(c: Case, attempt: number, ref: CaseRef, env: CaseEnvironment): Promise<AttemptRecord> {
  const startedAt = new Date().toISOString();
  const start = performance.now();
  env.transactions?.beginAttempt();
  const inbox = new EventInbox(env.terminal, env.transactions ? { ledger: env.transactions, note: (text) => env.transcript.note('runner', text) } : undefined);
  const ctx: StepContext = {
    terminal: env.terminal,
    stimuli: env.stimuli,
    inbox,
    transcript: env.transcript,
    signal: env.signal,
    caseStart: start,
    stepStarts: new Map<string, number>(),
    saved: new Map<string, unknown>(),
    ...(env.link ? { link: env.link, linkDropMs: env.linkDropMs ?? 0 } : {}),
    ...(env.onStepProgress ? { progress: (p: () => StepProgress) => env.onStepProgress?.(ref, p) } : {}),
  };
  env.transcript.note('runner', `case ${ref.suite}/${c.id} attempt ${attempt}`);
  const steps: StepRecord[] = [];
  let stopper: StepRecord | undefined;
  try {
    for (const step of c.steps) {
      if (stopper || env.signal.aborted) {
        steps.push({
          index: step.index,
          kind: step.kind,
          label: step.label,
          outcome: env.signal.aborted && !stopper ? 'ABORTED' : 'SKIPPED',
          reason: stopper ? `step ${stopper.index + 1} (${stopper.label}) did not pass` : 'the run was interrupted',
          startedAt: new Date().toISOString(),
          durationMs: 0,
        });
        continue;
      }
      env.onStepStart?.(ref, { index: step.index, label: step.label, timeoutMs: step.timeoutMs });
      if (env.link) env.link.during = `${ref.suite}/${c.id} step ${step.index + 1} (${step.label})`;
      const record = await executeStep(step, ctx);
      if (env.link) env.link.during = 'between steps';
      steps.push(record);
      env.onStepEnd(ref, record);
      if (record.outcome !== 'PASS') stopper = record;
    }
  } finally {
    inbox.close();
    if (env.link) env.link.during = 'between cases';
  }
  const outcome = stopper?.outcome ?? (env.signal.aborted ? 'ABORTED' : 'PASS');
  const reason = stopper ? `step ${stopper.index + 1} (${stopper.label}): ${stopper.reason ?? stopper.outcome}` : undefined;
  return { attempt, outcome, ...(reason ? { reason } : {}), startedAt, durationMs: Math.round(performance.now() - start), steps };
}

/**
 * After an attempt that did not pass the terminal may still be inside its transaction; `abort`
 * brings a terminal back to idle. Its answer does not matter (there may be nothing to abort). A
 * link that is down is left to the next step, which waits for the terminal to come back.
 */
async function returnToIdle(env: CaseEnvironment, why: string): Promise<void> {
  if (!env.terminal.verbs.has('abort') || (env.link && env.link.state !== 'up')) return;
  env.transcript.note('runner', `${why}: sending abort to return the terminal to idle`);
  try {
    await env.terminal.call('abort', {}, { timeoutMs: 2000, signal: env.signal });
  } catch {
    // A terminal that cannot even abort will show it in the next attempt's steps.
  }
}
