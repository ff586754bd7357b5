/**
 * Runs the selected cases of the loaded suites against one terminal, appending to the journal
 * as it goes. Cases the terminal cannot do (missing capability, a verb its driver lacks) are
 * SKIPPED with the reason; after an interruption the cases not run are ABORTED; after the
 * terminal was lost for good (it did not come back within timeouts.reconnect) they are ERROR.
 */
import type { Terminal } from '../../devices/drivers/terminal.js';
import type { CaseRecord, DeviceIdentity, RunRecord } from '../core/record.js';
import type { Case, Suite } from '../config/types.js';
import type { Journal } from '../evidence/journal.js';
import type { Transcript } from '../evidence/transcript.js';
import type { ReporterMultiplexer } from '../reporters/reporter.js';
import { runCase } from './case-runner.js';
import { TransactionLedger } from './transactions.js';
import type { ReconnectingTerminal } from './reconnecting-terminal.js';
import type { StimulusRouter } from './stimuli.js';
import { maskText } from '../evidence/mask.js';

/** Which cases run: --grep, --grep-invert, and a set of "suite/case" ids (--last-failed). */
export interface CaseSelection {
  grep?: RegExp;
  grepInvert?: RegExp;
  only?: ReadonlySet<string>;
}

export interface RunSelection extends CaseSelection {
  suites: readonly Suite[];
  retries: number;
  /** Stop after this many cases did not pass (--bail is 1); the rest are not run. */
  maxFailures?: number;
}

export interface RunParts {
  terminal: Terminal;
  stimuli: StimulusRouter;
  transcript: Transcript;
  journal: Journal;
  reporters: ReporterMultiplexer;
  signal: AbortSignal;
  identity: DeviceIdentity;
  /** Capabilities the profile declares, added to what the terminal reports. */
  capabilities: readonly string[];
  /** The terminal's link, followed across drops (the same object as `terminal`). */
  link?: ReconnectingTerminal;
  linkDropMs?: number;
}

export const STOPPED_AFTER = (n: number) => `the run stopped after ${n} ${n === 1 ? 'failure' : 'failures'} (--max-failures ${n})`;

export function selectCases(suite: Suite, selection: CaseSelection = {}): Case[] {
  const matches = (re: RegExp, c: Case) => re.test(`${suite.id}/${c.id}`) || re.test(c.title ?? '');
  return suite.cases.filter(
    (c) =>
      (!selection.grep || matches(selection.grep, c)) &&
      (!selection.grepInvert || !matches(selection.grepInvert, c)) &&
      (!selection.only || selection.only.has(`${suite.id}/${c.id}`)),
  );
}

export async function runSuites(selection: RunSelection, parts: RunParts): Promise<RunRecord> {
  const capabilities = new Set([...parts.identity.capabilities, ...parts.capabilities]);
  let failures = 0;
  const transactions = new TransactionLedger(() => parts.link?.dropCount ?? 0);
  for (const suite of selection.suites) {
    const cases = selectCases(suite, selection);
    if (cases.length === 0) continue;
    const header = { id: suite.id, ...(suite.title ? { title: suite.title } : {}), file: suite.file, sha256: suite.sha256 };
    parts.journal.append({ type: 'suite.started', suite: header });
    parts.reporters.onSuiteStart(header);
    for (const c of cases) {
      const stopped = selection.maxFailures !== undefined && failures >= selection.maxFailures;
      // A terminal on its way back is waited for between cases too; one that is gone ends the rest.
      if (parts.link && parts.link.state === 'down') await parts.link.whenUp(parts.signal).catch(() => undefined);
      const gone = parts.link?.goneReason;
      const firmware = maskText((parts.link?.lastIdentity ?? parts.identity).firmware);
      const ran = parts.signal.aborted
        ? notRun(suite.id, c, 'ABORTED', 'not run: the run was interrupted')
        : stopped
          ? notRun(suite.id, c, 'ABORTED', `not run: ${STOPPED_AFTER(selection.maxFailures!)}`)
          : gone
            ? notRun(suite.id, c, 'ERROR', `not run: ${gone.message} [${gone.code}]`)
            : cannotRun(suite.id, c, capabilities, parts.terminal) ??
          (await runCase(suite.id, c, {
            terminal: parts.terminal,
            ...(parts.link ? { link: parts.link, linkDropMs: parts.linkDropMs ?? 0 } : {}),
            stimuli: parts.stimuli,
            transcript: parts.transcript,
            transactions,
            signal: parts.signal,
            retries: selection.retries,
            onAttemptStart: (ref) => parts.reporters.onCaseStart(ref),
            onStepStart: (ref, step) => parts.reporters.onStepStart(ref, step),
            onStepProgress: (ref, progress) => parts.reporters.onStepProgress(ref, progress),
            onStepEnd: (ref, step) => parts.reporters.onStepEnd(ref, step),
          }));
      const record: CaseRecord = { ...ran, firmware };
      if (record.outcome !== 'PASS' && record.outcome !== 'SKIPPED' && record.attempts.length > 0) failures++;
      parts.journal.append({ type: 'case.finished', case: record });
      parts.reporters.onCaseEnd(record);
    }
  }
  return parts.journal.record();
}

function cannotRun(suite: string, c: Case, capabilities: ReadonlySet<string>, terminal: Terminal): CaseRecord | undefined {
  const missing = c.requires.filter((cap) => !capabilities.has(cap));
  if (missing.length > 0) return notRun(suite, c, 'SKIPPED', `the terminal lacks ${missing.join(', ')}`);
  const verbs = c.steps.flatMap((s) => (s.kind === 'do' ? [s.verb] : s.kind === 'load' ? [s.load.verb] : []));
  const unsupported = verbs.filter((v) => !terminal.verbs.has(v));
  if (unsupported.length > 0) return notRun(suite, c, 'SKIPPED', `the ${terminal.protocol} driver cannot send ${[...new Set(unsupported)].join(', ')}`);
  return undefined;
}

function notRun(suite: string, c: Case, outcome: 'SKIPPED' | 'ABORTED' | 'ERROR', reason: string): CaseRecord {
  return {
    id: c.id,
    ...(c.title ? { title: c.title } : {}),
    suite,
    mandatory: c.mandatory,
    outcome,
    reason,
    ...(c.line ? { line: c.line } : {}),
    startedAt: new Date().toISOString(),
    durationMs: 0,
    attempts: [],
  };
}
