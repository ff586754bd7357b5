/** `await` an event within a time, and `absent`: no such event within a time. */
import type { TerminalEvent } from '../../../devices/drivers/terminal.js';
import type { AbsentStep, AwaitStep } from '../../config/types.js';
import type { Expectation } from '../../expect/expectations.js';
import { resolveReferences } from '../../config/saved-refs.js';
import type { EventFilter } from '../inbox.js';
import type { StepContext } from '../step-context.js';
import { measurementFailure, takeMeasurement } from './measure.js';
import { describeIssues, type StepResult } from './result.js';

function filterOf(where: Expectation | undefined, txnId: unknown): EventFilter {
  const ofTxn = (e: TerminalEvent) => txnId === undefined || (e.data as { txnId?: unknown } | null)?.txnId === txnId;
  return where ? (e) => ofTxn(e) && where.check(e.data).length === 0 : ofTxn;
}

/** `of: NAME`: the txnId of the result saved as NAME, or the step's ERROR naming what that result has instead. */
function txnIdOf(step: AwaitStep | AbsentStep, ctx: StepContext): { txnId: unknown } | StepResult {
  if (step.of === undefined) return { txnId: undefined };
  try {
    return { txnId: resolveReferences(`\${${step.of}.txnId}`, ctx.saved) };
  } catch (error) {
    return { outcome: 'ERROR', reason: `of: ${(error as Error).message}` };
  }
}

/** " of sale (TXN-000017)" */
const ofText = (step: AwaitStep | AbsentStep, txnId: unknown) => (step.of === undefined ? '' : ` of ${step.of} (${String(txnId)})`);

/** An event's name, with the reason it gives when it gives one (`transaction.failed (receiver not ready)`). */
function described(e: TerminalEvent): string {
  const data = e.data as { reason?: unknown; resultCode?: unknown } | null;
  const reason = typeof data?.reason === 'string' ? data.reason : undefined;
  const code = typeof data?.resultCode === 'string' ? data.resultCode : undefined;
  return reason || code ? `${e.name} (${[reason, code].filter(Boolean).join(', ')})` : e.name;
}

function summarize(events: readonly TerminalEvent[]): { name: string; data: unknown }[] {
  return events.slice(-10).map((e) => ({ name: e.name, data: e.data }));
}

/**
 * The event that answers an awaited one's question the other way: a sale that failed while its
 * completion is awaited, a sale completed while the terminal's refusal is (a card it must refuse,
 * a QR with the wrong amount, a host that never answered). It ends the wait at once as FAIL: the
 * terminal's verdict, not a silence.
 */
const CONTRARY: Readonly<Record<string, { event: string; says: string }>> = {
  'transaction.completed': { event: 'transaction.failed', says: 'the terminal reported the sale failed' },
  'transaction.failed': { event: 'transaction.completed', says: 'the terminal completed the sale instead' },
  'card.rejected': { event: 'transaction.completed', says: 'the terminal took the card and completed the sale instead' },
  'qr.rejected': { event: 'transaction.completed', says: 'the terminal took the QR code and completed the sale instead' },
};

/**
 * With `of`, a contrary event of that transaction counts, also an untaken one from before (an
 * abort during the swipe step); without, one that arrives during the step and names the case's
 * latest transaction (or none): a late event of an earlier sale of the case is not this one's.
 */
function contrary(step: AwaitStep, txnId: unknown, latest: string | undefined, start: number): { filter: EventFilter; says: string } | undefined {
  const other = CONTRARY[step.event];
  if (!other) return undefined;
  const named = (e: TerminalEvent) => (e.data as { txnId?: unknown } | null)?.txnId;
  if (txnId !== undefined) return { filter: (e) => e.name === other.event && named(e) === txnId, says: other.says };
  return { filter: (e) => e.name === other.event && e.receivedAt >= start && (latest === undefined || named(e) === undefined || named(e) === latest), says: other.says };
}

/**
 * What a passing await may have passed on without anyone asking: a sale the terminal declined,
 * awaited with nothing checking its result, or the event of an earlier transaction of the case
 * than its latest (two sales, and the receipt awaited is the first one's).
 */
function takenWarnings(step: AwaitStep, event: TerminalEvent, started: readonly string[]): string[] {
  const data = event.data as { result?: unknown; txnId?: unknown } | null;
  const warnings: string[] = [];
  if (step.event === 'transaction.completed' && !step.expect && !step.where && typeof data?.result === 'string' && data.result !== 'approved') {
    warnings.push(`the transaction ${data.result === 'declined' ? 'was declined' : `ended "${data.result}"`}, and nothing checks it: add expect (schemas/transaction-approved.json) to fail on that`);
  }
  const latest = started.at(-1);
  if (step.of === undefined && started.length > 1 && typeof data?.txnId === 'string' && started.includes(data.txnId) && data.txnId !== latest) {
    warnings.push(`took ${event.name} of ${data.txnId}, an earlier transaction of this case than its latest (${latest}): name the one meant with of: NAME`);
  }
  return warnings;
}

export async function runAwait(step: AwaitStep, ctx: StepContext, start: number): Promise<StepResult> {
  const of = txnIdOf(step, ctx);
  if (!('txnId' in of)) return of;
  const txnId = of.txnId;
  const against = contrary(step, txnId, ctx.inbox.started.at(-1), start);
  const heldAnswer = against && txnId !== undefined ? ctx.inbox.untaken().find(against.filter) : undefined;
  const event = heldAnswer ? undefined : await ctx.inbox.take(step.event, filterOf(step.where, txnId), step.timeoutMs, ctx.signal, against?.filter);
  const expected = step.expect?.schema ?? (step.where ? { where: step.where.schema } : undefined);
  if (!event) {
    const meanwhile = ctx.inbox.untaken();
    const aside = ctx.inbox.setAside.filter((e) => e.at >= start).map((e) => e.what);
    const seen =
      (meanwhile.length > 0 ? `; received instead: ${[...new Set(meanwhile.map(described))].join(', ')}` : aside.length > 0 ? '' : '; nothing else arrived either') +
      (aside.length > 0 ? `; set aside as an earlier case's: ${[...new Set(aside)].join(', ')}` : '');
    const answer = against ? meanwhile.find(against.filter) : undefined;
    // Events of the awaited name that came but did not match `where`: say why the first did not.
    const where = step.where;
    const unmatched = where ? meanwhile.filter((e) => e.name === step.event).map((e) => where.check(e.data)).filter((issues) => issues.length > 0) : [];
    const whyNot = unmatched.length > 0 ? `; ${unmatched.length} ${step.event} did not match \`where\`: ${describeIssues(unmatched[0]!.slice(0, 2))}` : '';
    // The step's duration says when; a reason that holds no timing stays the same from run to run.
    const waited = answer ? `: ${against!.says}` : ` within ${step.timeoutMs} ms`;
    return {
      expected,
      observed: { eventsReceived: summarize(meanwhile) },
      outcome: ctx.signal.aborted ? 'ABORTED' : answer ? 'FAIL' : 'TIMEOUT',
      reason: `no ${step.event}${ofText(step, txnId)}${step.where ? ' matching `where`' : ''}${waited}${seen}${whyNot}`,
    };
  }
  const observed = { event: event.name, data: event.data };
  const issues = step.expect?.check(event.data) ?? [];
  const measurements = step.measure ? [takeMeasurement(step.measure, ctx, start, event.receivedAt, event.data)] : [];
  // Said whatever the outcome: a `where` that looked at nothing may be why the wrong event was taken.
  const warnings = [...(step.where?.unchecked(event.data, 'event') ?? []).map((w) => `where: ${w}`), ...(step.expect?.unchecked(event.data, 'event') ?? []), ...takenWarnings(step, event, ctx.inbox.started)];
  if (issues.length > 0) {
    return { expected, observed, issues, measurements, outcome: 'FAIL', reason: `${step.event} does not match the expectation: ${describeIssues(issues)}`, ...(warnings.length ? { warnings } : {}) };
  }
  const overLimit = measurementFailure(measurements);
  // Assigned, not spread: the path of every passing await (see step-executor.ts).
  const passed: StepResult = { expected, observed, measurements, outcome: overLimit ? 'FAIL' : 'PASS' };
  if (overLimit) passed.reason = overLimit;
  if (warnings.length) passed.warnings = warnings;
  return passed;
}

export async function runAbsent(step: AbsentStep, ctx: StepContext): Promise<StepResult> {
  const of = txnIdOf(step, ctx);
  if (!('txnId' in of)) return of;
  const txnId = of.txnId;
  const event = await ctx.inbox.take(step.event, filterOf(step.where, txnId), step.timeoutMs, ctx.signal);
  if (ctx.signal.aborted) return { outcome: 'ABORTED', reason: 'the run was interrupted' };
  return event
    ? { observed: { event: event.name, data: event.data }, outcome: 'FAIL', reason: `${step.event}${ofText(step, txnId)} arrived, and it must not` }
    : { outcome: 'PASS' };
}
