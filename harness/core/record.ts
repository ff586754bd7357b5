/**
 * The run record: the single source for every report and certificate. Its JSON Schema is
 * harness/config/schemas/record.schema.json; keep the two in step (a test checks a real record
 * against the schema).
 *
 * While a run goes, poshil appends `JournalEntry` lines to `record.ndjson`; `foldJournal` turns
 * any prefix of that journal into a `RunRecord`, so a crash leaves a readable partial record.
 */
import type { FailureKind } from './failure-kind.js';
import type { Outcome } from './outcome.js';

/** 2: a device's run within a bench names its bench run (`bench`); version 1 records still read. */
export const RECORD_SCHEMA_VERSION = 2;

/** What the terminal says about itself in answer to `identify`. */
export interface DeviceIdentity {
  model: string;
  serialNumber: string;
  firmware: string;
  vendor?: string;
  hardware?: string;
  application?: string;
  capabilities: string[];
  [extra: string]: unknown;
}

export interface InputFile {
  kind: 'suite' | 'profile' | 'plan' | 'schema' | 'fixture';
  path: string;
  sha256: string;
}

export interface Limits {
  min?: number;
  max?: number;
  /** Values beyond these but inside min/max are MARGINAL: passing, but flagged in the report. */
  marginalMin?: number;
  marginalMax?: number;
}

export interface Measurement {
  name: string;
  value: number;
  unit: string;
  limits: Limits;
  verdict: 'PASS' | 'MARGINAL' | 'FAIL';
}

export interface ValidationIssue {
  /** JSON pointer into the observed value. */
  path: string;
  message: string;
}

/** One line of the transcript: bytes in (rx) or out (tx) on a channel, or a note. */
export interface TranscriptEntry {
  seq: number;
  /** Milliseconds since the run started. */
  ms: number;
  channel: string;
  dir: 'rx' | 'tx' | 'note';
  /** Printable content, card data masked in place (same length). */
  text?: string;
  /** Non-printable content as hex, card data masked in place (same length). */
  hex?: string;
  /** Where card data was masked: offsets in characters of `text`, or in bytes of `hex`. */
  masked?: { at: number; length: number; kind: string; where?: string }[];
  /** Why the content could not be parsed in its format; card data in it was masked by a best guess. */
  unparsed?: string;
}

export type StepKind = 'do' | 'stimulus' | 'await' | 'absent' | 'wait' | 'prompt' | 'exec' | 'load' | 'same';

export interface StepRecord {
  index: number;
  kind: StepKind;
  /** Human label, e.g. `do sale`, `stimulus swipe`, `await transaction.completed`. */
  label: string;
  outcome: Outcome;
  reason?: string;
  startedAt: string;
  durationMs: number;
  timeoutMs?: number;
  /** What was sent: verb arguments, stimulus arguments (masked). */
  request?: unknown;
  /** The expectation as written (a JSON Schema), or the limits. */
  expected?: unknown;
  /** What the terminal answered, or the event it sent (masked). */
  observed?: unknown;
  issues?: ValidationIssue[];
  /** What the step's outcome does not show: a property the expectation checks that the answer lacks. */
  warnings?: string[];
  measurements?: Measurement[];
  /** Transcript lines written during the step; `excerpt` is kept for steps that did not pass. */
  transcript?: { from: number; to: number; excerpt?: TranscriptEntry[] };
  /** Extra data for the report, e.g. a latency histogram of a load step. */
  details?: Record<string, unknown>;
}

export interface AttemptRecord {
  attempt: number;
  outcome: Outcome;
  reason?: string;
  startedAt: string;
  durationMs: number;
  steps: StepRecord[];
}

export interface CaseRecord {
  id: string;
  title?: string;
  suite: string;
  mandatory: boolean;
  outcome: Outcome;
  reason?: string;
  troubleshoot?: string;
  tags?: string[];
  /** Passed, but only after an attempt that did not: counted as passed and as flaky. */
  flaky?: boolean;
  /** Line of the case in its suite file, for annotations that point at it. */
  line?: number;
  /** The kind of failure the last attempt ended in; it chose `troubleshoot`. */
  failureKind?: FailureKind;
  startedAt: string;
  durationMs: number;
  /**
   * The firmware the terminal last reported when the case began: a run that upgrades the
   * terminal has cases under both, and history groups each under its own. Older records lack it.
   */
  firmware?: string;
  attempts: AttemptRecord[];
}

export interface SuiteRecord {
  id: string;
  title?: string;
  file: string;
  sha256: string;
  cases: CaseRecord[];
}

export interface RunSummary {
  total: number;
  passed: number;
  failed: number;
  errors: number;
  timeouts: number;
  skipped: number;
  aborted: number;
  /** Passed after a retry; these are also in `passed`. Absent in records from before 0.2. */
  flaky?: number;
  outcome: Outcome;
}

/** `error`: the run could not go on (terminal unreachable, simulator did not start). */
export type RunStatus = 'running' | 'finished' | 'interrupted' | 'crashed' | 'error';

/** Why a run could not go on: one error for the whole run, not one per case. */
export interface RunError {
  code: string;
  message: string;
  hint?: string;
}

export interface RunHeader {
  schemaVersion: 1 | typeof RECORD_SCHEMA_VERSION;
  runId: string;
  tool: { name: 'poshil'; version: string; node: string };
  host: string;
  startedAt: string;
  options: {
    grep?: string;
    grepInvert?: string;
    /** The "suite/case" ids a --last-failed run was limited to. */
    only?: string[];
    maxFailures?: number;
    retries: number;
    seed?: number;
  };
  device: {
    profile: string;
    name: string;
    protocol: string;
    address: string;
    /** What the terminal said it was: at the end of the run when that differs from the start. */
    identity?: DeviceIdentity;
    /** The identity at the start, kept when the run changed it (a firmware upgrade). */
    identityAtStart?: DeviceIdentity;
    /** What the profile declares the terminal can do, beside what it reports (a ZVT or ECR terminal reports nothing). */
    capabilities?: string[];
  };
  /** How many cases the run set out to run: a crashed run's record says how many it did not. Older records lack it. */
  planned?: number;
  /** The bench run this run was one device of, and that device's name and labels in the bench file. */
  bench?: { benchRunId: string; device: string; labels: Readonly<Record<string, string>> };
  /** The lab job this run was (poshil lab worker): which job and attempt, under which lease, on which worker host. */
  lab?: { jobId: string; runId: string; attempt: number; leaseId: string; worker: string; host: string };
  inputs: InputFile[];
}

/**
 * A time the link to the terminal dropped (power cycle, reboot, upgrade, unplug, TCP reset):
 * when, where it was and came back, and who answered before and after. Records from before
 * reconnects were followed have no `outages`.
 */
export interface LinkOutage {
  downAt: string;
  /** Absent when the terminal never came back within the profile's `timeouts.reconnect`. */
  backAt?: string;
  /** From the drop to the terminal answering identify again (or to giving up). */
  downMs: number;
  /** A step that restarts the terminal (do reboot, do upgrade, stimulus powerCycle) was running. */
  expected: boolean;
  /** What was running: `suite/case step N (label)`, or `between cases`. */
  during: string;
  /** Why the link ended, as the transport said it. */
  cause: string;
  addressBefore: string;
  addressAfter?: string;
  identityBefore?: DeviceIdentity;
  identityAfter?: DeviceIdentity;
  /** How often poshil tried to reach the terminal again. */
  attempts: number;
  /** Why poshil gave up on the terminal, when it did. */
  gaveUp?: string;
}

/**
 * A plan's verdict on the run (`run --plan`, `certify`, a lab plan job), judged when the run
 * ended: every mandatory case passed or waived, the terminal as the plan requires, thresholds
 * held. Kept in the record so that JUnit, the HTML report and annotations carry it, not only the
 * console. The plan's file and SHA-256 are among the run's inputs.
 */
export interface PlanVerdict {
  id: string;
  version: string;
  met: boolean;
  /** Each reason the plan is not met. */
  reasons: string[];
  /** Mandatory cases that did not pass, accepted by a waiver still valid. */
  waived?: { case: string; reason: string; approver: string; expires: string }[];
}

export interface RunRecord extends RunHeader {
  status: RunStatus;
  finishedAt?: string;
  durationMs?: number;
  suites: SuiteRecord[];
  summary: RunSummary;
  error?: RunError;
  outages?: LinkOutage[];
  plan?: PlanVerdict;
}

export type JournalEntry =
  | { type: 'run.started'; header: RunHeader }
  | { type: 'device.identified'; identity: DeviceIdentity; address: string }
  | { type: 'link.outage'; outage: LinkOutage }
  | { type: 'suite.started'; suite: Omit<SuiteRecord, 'cases'> }
  | { type: 'case.finished'; case: CaseRecord }
  | {
      type: 'run.finished';
      status: Exclude<RunStatus, 'running'>;
      finishedAt: string;
      durationMs: number;
      error?: RunError;
    }
  | { type: 'plan.judged'; plan: PlanVerdict };

export function summarize(suites: readonly SuiteRecord[]): RunSummary {
  const summary: RunSummary = {
    total: 0, passed: 0, failed: 0, errors: 0, timeouts: 0, skipped: 0, aborted: 0, flaky: 0, outcome: 'PASS',
  };
  let stoppedMidway = false;
  for (const suite of suites) {
    for (const c of suite.cases) {
      summary.total++;
      if (isFlaky(c)) summary.flaky!++;
      if (c.outcome === 'PASS') summary.passed++;
      else if (c.outcome === 'FAIL') summary.failed++;
      else if (c.outcome === 'ERROR') summary.errors++;
      else if (c.outcome === 'TIMEOUT') summary.timeouts++;
      else if (c.outcome === 'SKIPPED') summary.skipped++;
      else {
        summary.aborted++;
        if (c.attempts.length > 0) stoppedMidway = true;
      }
    }
  }
  // A case stopped mid-way makes the run ABORTED; cases --max-failures (or Ctrl-C between cases)
  // kept from starting do so only when nothing failed: the failures that stopped the run name it.
  summary.outcome =
    stoppedMidway ? 'ABORTED'
    : summary.errors > 0 ? 'ERROR'
    : summary.timeouts > 0 ? 'TIMEOUT'
    : summary.failed > 0 ? 'FAIL'
    : summary.aborted > 0 ? 'ABORTED'
    : summary.passed > 0 ? 'PASS'
    : 'SKIPPED';
  return summary;
}

/** A pass that needed a retry. Older records lack the flag; their attempts tell the same. */
export function isFlaky(c: CaseRecord): boolean {
  return c.outcome === 'PASS' && (c.flaky ?? c.attempts.length > 1);
}

/**
 * Folds journal entries (in order) into a record. A journal without `run.finished` yields a
 * record with status `crashed` unless `runningIsLive` says the run is still going.
 */
export function foldJournal(entries: Iterable<JournalEntry>, runningIsLive = false): RunRecord | undefined {
  let record: RunRecord | undefined;
  for (const entry of entries) {
    switch (entry.type) {
      case 'run.started':
        record = { ...entry.header, status: 'running', suites: [], summary: summarize([]) };
        break;
      case 'device.identified':
        if (record) {
          const before = record.device.identity;
          const atStart = record.device.identityAtStart ?? (before && JSON.stringify(before) !== JSON.stringify(entry.identity) ? before : undefined);
          record.device = { ...record.device, identity: entry.identity, address: entry.address, ...(atStart ? { identityAtStart: atStart } : {}) };
        }
        break;
      case 'link.outage':
        if (record) record.outages = [...(record.outages ?? []), entry.outage];
        break;
      case 'suite.started':
        record?.suites.push({ ...entry.suite, cases: [] });
        break;
      case 'case.finished': {
        const suite = record?.suites.findLast((s) => s.id === entry.case.suite);
        suite?.cases.push(entry.case);
        break;
      }
      case 'run.finished':
        if (record) {
          record.status = entry.status;
          record.finishedAt = entry.finishedAt;
          record.durationMs = entry.durationMs;
          if (entry.error) record.error = entry.error;
        }
        break;
      case 'plan.judged':
        if (record) record.plan = entry.plan;
        break;
    }
  }
  if (record) {
    record.summary = summarize(record.suites);
    if (record.status === 'running' && !runningIsLive) crashed(record);
  }
  return record;
}

/**
 * A journal that stops before its end: poshil was killed or crashed mid-run. Its cases ran, but
 * the run did not: a run-level error (which JUnit shows as an errored test case) and no PASS.
 */
function crashed(record: RunRecord): void {
  record.status = 'crashed';
  const recorded = record.summary.total;
  const missing = record.planned !== undefined && record.planned > recorded ? `; ${record.planned - recorded} of its ${record.planned} cases have no result` : '';
  record.error ??= {
    code: 'E_CRASHED',
    message: `the run did not finish: poshil was killed or crashed while it ran${missing}`,
    hint: 'the cases recorded before it stopped are kept; run it again for a whole result',
  };
  if (record.summary.outcome === 'PASS' || record.summary.outcome === 'SKIPPED') record.summary.outcome = 'ERROR';
}
