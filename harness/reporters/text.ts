/**
 * The words every text reporter shares: durations, the counts line, the recap of failures and
 * flaky cases, the terminal and its firmware, and the run-level error. Kept in one place so
 * that list, line, dot and github say the same thing the same way.
 */
import { consoleText } from '../core/console-text.js';
import type { FailureKind } from '../core/failure-kind.js';
import type { Outcome } from '../core/outcome.js';
import { isFlaky, type CaseRecord, type LinkOutage, type RunRecord, type RunSummary } from '../core/record.js';

export const SYMBOLS: Record<Outcome, string> = { PASS: '✓', FAIL: '✗', ERROR: '!', TIMEOUT: '⧗', SKIPPED: '-', ABORTED: '■' };
export const FLAKY_SYMBOL = '±';

/** How a text reporter colours: a function per ANSI code, or the identity when colour is off. */
export type Paint = (code: number, text: string) => string;
export const NO_PAINT: Paint = (_code, text) => text;
export const COLORS: Record<Outcome | 'FLAKY', number> = { PASS: 32, FAIL: 31, ERROR: 35, TIMEOUT: 33, SKIPPED: 90, ABORTED: 31, FLAKY: 33 };
const DIM = 2;

export const KIND_NAMES: Record<FailureKind, string> = {
  limit: 'limit exceeded',
  refused: 'refused',
  schema: 'answer does not match',
  timeout: 'time-out',
  link: 'link lost',
  other: 'failure',
};

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** "3 passed, 1 flaky, 1 failed, 1 skipped": the parts add up to the total (flaky are not in passed here). */
export function countsText(s: RunSummary): string {
  const flaky = s.flaky ?? 0;
  const parts = [`${s.passed - flaky} passed`];
  if (flaky) parts.push(`${flaky} flaky`);
  parts.push(`${s.failed} failed`);
  if (s.errors) parts.push(`${s.errors} errors`);
  if (s.timeouts) parts.push(`${s.timeouts} timed out`);
  if (s.skipped) parts.push(`${s.skipped} skipped`);
  if (s.aborted) parts.push(`${s.aborted} aborted`);
  return parts.join(', ');
}

/** Cases that never started because the run was interrupted (not those cut off mid-way). */
export function notRun(record: RunRecord): CaseRecord[] {
  return allCases(record).filter((c) => c.outcome === 'ABORTED' && c.attempts.length === 0);
}

export function allCases(record: RunRecord): CaseRecord[] {
  return record.suites.flatMap((s) => s.cases);
}

/** Did not pass and was not skipped; cases that never started are counted, not listed. */
export function failedCases(record: RunRecord): CaseRecord[] {
  return allCases(record).filter((c) => c.outcome !== 'PASS' && c.outcome !== 'SKIPPED' && !(c.outcome === 'ABORTED' && c.attempts.length === 0));
}

export function flakyCases(record: RunRecord): CaseRecord[] {
  return allCases(record).filter(isFlaky);
}

/** "passed on attempt 2 of 2; attempt 1: TIMEOUT — no answer" */
export function flakyHistory(c: CaseRecord): string {
  const earlier = c.attempts.slice(0, -1).map((a) => `attempt ${a.attempt}: ${a.outcome}${a.reason ? ` — ${a.reason}` : ''}`);
  return [`passed on attempt ${c.attempts.length} of ${c.attempts.length}`, ...earlier].join('; ');
}

export function oneLine(text: string): string {
  return consoleText(text.replace(/\s*\n\s*/g, ' '));
}

/** The recap every text reporter ends with: each failure with its reason and advice, then the flaky cases. */
export function recapText(record: RunRecord, paint: Paint = NO_PAINT): string {
  const lines: string[] = [];
  const failures = failedCases(record);
  if (failures.length) {
    lines.push('', `Failures (${failures.length}):`);
    failures.forEach((c, i) => {
      lines.push(`  ${i + 1}) ${paint(COLORS[c.outcome], c.outcome)} ${c.suite}/${c.id}${c.title ? ` — ${oneLine(c.title)}` : ''}`);
      if (c.reason) lines.push(`     ${oneLine(c.reason)}`);
      if (c.troubleshoot && c.outcome !== 'ABORTED') lines.push(paint(DIM, `     troubleshoot${c.failureKind ? ` (${KIND_NAMES[c.failureKind]})` : ''}: ${oneLine(c.troubleshoot)}`));
    });
  }
  const flaky = flakyCases(record);
  if (flaky.length) {
    lines.push('', `Flaky (${flaky.length}):`);
    for (const c of flaky) lines.push(`  ${paint(COLORS.FLAKY, FLAKY_SYMBOL)} ${c.suite}/${c.id}: ${oneLine(flakyHistory(c))}`);
  }
  const marginal = marginalMeasurements(record);
  if (marginal.length) {
    lines.push('', `Marginal (${marginal.length}): passed, but inside the band before a limit`);
    for (const m of marginal) lines.push(`  ${paint(COLORS.FLAKY, '~')} ${m.suite}/${m.caseId}: ${oneLine(m.text)}`);
  }
  const warnings = stepWarnings(record);
  if (warnings.length) {
    lines.push('', `Warnings (${warnings.length}):`);
    for (const w of warnings.slice(0, WARNINGS_SHOWN)) lines.push(`  ${paint(COLORS.TIMEOUT, WARNING_SYMBOL)} ${w.suite}/${w.caseId}, step ${w.step} (${oneLine(w.label)}): ${oneLine(w.text)}`);
    if (warnings.length > WARNINGS_SHOWN) lines.push(`  … and ${warnings.length - WARNINGS_SHOWN} more in the record (steps' "warnings")`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** Each MARGINAL measurement of a case's last attempt: "authorisation-time 1620 ms (marginal above 1500, limit 3000 ms)". */
export function marginalMeasurements(record: RunRecord): { suite: string; caseId: string; text: string }[] {
  return allCases(record).flatMap((c) =>
    (c.attempts.at(-1)?.steps ?? []).flatMap((s) =>
      (s.measurements ?? [])
        .filter((m) => m.verdict === 'MARGINAL')
        .map((m) => {
          const { min, max, marginalMin, marginalMax } = m.limits;
          const high = marginalMax !== undefined && m.value > marginalMax;
          const band = high ? `marginal above ${marginalMax}${max !== undefined ? `, limit ${max}` : ''}` : `marginal below ${marginalMin}${min !== undefined ? `, limit ${min}` : ''}`;
          return { suite: c.suite, caseId: c.id, text: `${m.name} ${m.value} ${m.unit} (${band} ${m.unit})` };
        }),
    ),
  );
}

export const WARNING_SYMBOL = '⚠';
const WARNINGS_SHOWN = 10;

export interface StepWarning {
  suite: string;
  caseId: string;
  /** The step's number as reports show it (from 1). */
  step: number;
  label: string;
  text: string;
}

/** The warnings of each case's last attempt, in run order. */
export function stepWarnings(record: RunRecord): StepWarning[] {
  return allCases(record).flatMap((c) =>
    (c.attempts.at(-1)?.steps ?? []).flatMap((s) => (s.warnings ?? []).map((text) => ({ suite: c.suite, caseId: c.id, step: s.index + 1, label: s.label, text }))),
  );
}

/** "terminal M s/n S firmware 1.4.2", and the firmware at the end when the run changed it. */
export function terminalText(record: RunRecord): string | undefined {
  const end = record.device.identity;
  if (!end) return undefined;
  const start = record.device.identityAtStart ?? end;
  const changed = start.firmware !== end.firmware ? ` (${consoleText(end.firmware)} at the end of the run)` : '';
  return `terminal ${consoleText(start.model)} s/n ${consoleText(start.serialNumber)} firmware ${consoleText(start.firmware)}${changed}`;
}

/** The verdict word: the run's status when it did not finish, else the summary's outcome. */
export function verdictOf(record: RunRecord): { word: string; color: number } {
  if (record.status === 'interrupted') return { word: 'INTERRUPTED', color: COLORS.ABORTED };
  if (record.status === 'error') return { word: 'ERROR', color: COLORS.ERROR };
  if (record.status === 'crashed') return { word: 'CRASHED', color: COLORS.ERROR };
  return { word: record.summary.outcome, color: COLORS[record.summary.outcome] };
}

/** The reason a run could not go on, meant to be printed before anything else at the end. */
export function runErrorText(record: RunRecord, paint: Paint = NO_PAINT): string {
  if (!record.error) return '';
  const hint = record.error.hint ? `\n  hint: ${record.error.hint}` : '';
  return `\n${paint(COLORS.ERROR, 'ERROR')} the run could not go on: ${record.error.message} [${record.error.code}]${hint}\n`;
}

/** The closing block: run error, interruption, recap, the counts, the terminal. */
export function closingText(record: RunRecord, paint: Paint = NO_PAINT): string {
  let text = runErrorText(record, paint);
  const skipped = notRun(record).length;
  const cases = `${skipped} ${skipped === 1 ? 'case' : 'cases'} not run`;
  if (record.status === 'interrupted') {
    // The case the interruption stopped is aborted too: said apart, so the counts below add up.
    const stopped = allCases(record).filter((c) => c.outcome === 'ABORTED' && c.attempts.length > 0).length;
    const during = stopped > 0 ? `${stopped} ${stopped === 1 ? 'case' : 'cases'} stopped mid-way, ` : '';
    text += `\n${paint(COLORS.ABORTED, 'INTERRUPTED')} ${during}${cases}\n`;
  }
  else if (skipped > 0 && record.options.maxFailures !== undefined) {
    const n = record.options.maxFailures;
    text += `\n${paint(COLORS.ABORTED, 'STOPPED')} after ${n} ${n === 1 ? 'failure' : 'failures'} (--max-failures ${n}): ${cases}\n`;
  }
  text += recapText(record, paint);
  const { word, color } = verdictOf(record);
  const s = record.summary;
  const counts = s.total === 0 && record.status === 'error' ? 'no case ran' : `${countsText(s)} of ${s.total} cases`;
  text += `\n${paint(color, word)} ${counts} in ${formatMs(record.durationMs ?? 0)}\n`;
  const terminal = terminalText(record);
  if (terminal) text += terminal + '\n';
  for (const outage of record.outages ?? []) text += outageText(outage) + '\n';
  return text;
}

/** One line per time the link dropped: when, during what, and where (or whether) it came back. */
export function outageText(outage: LinkOutage): string {
  const why = outage.expected ? 'expected' : 'unexpected';
  const at = outage.downAt.slice(11, 19);
  const back = outage.backAt
    ? `back after ${formatMs(outage.downMs)}${outage.addressAfter && outage.addressAfter !== outage.addressBefore ? ` at ${outage.addressAfter}` : ''}`
    : `not back after ${formatMs(outage.downMs)}`;
  return `link dropped at ${at} (${why}, ${outage.during}), ${back}`;
}
