/**
 * A case as the lab keeps it (and the panel shows it): outcome, time, first failure, the figures
 * of its steps, and the detail a person opens when it failed. No database here: a local run's
 * panel builds the same rows.
 */
import type { CaseRecord, TranscriptEntry } from '../../core/record.js';

export interface CaseRow {
  seq: number;
  suite: string;
  caseId: string;
  outcome: string;
  durationMs: number;
  firstFailure?: string;
  measurements: Record<string, number>;
  /** Absent in an outbox written by an older poshil. */
  detail?: CaseDetail;
  /** The firmware the case began on (a run that upgrades the terminal has both); absent from older poshil. */
  firmware?: string;
}

/** A case's steps, its troubleshooting text and the transcript around its first failure (masked, as in the record). */
export interface CaseDetail {
  steps: { label: string; outcome: string; durationMs: number; reason?: string; warnings?: string[] }[];
  troubleshoot?: string;
  excerpt?: Pick<TranscriptEntry, 'ms' | 'channel' | 'dir' | 'text' | 'hex'>[];
}

/** A case of thousands of steps keeps its first hundred here; the record has them all. */
const DETAIL_STEPS = 100;
const DETAIL_EXCERPT = 40;


/** A case as the lab keeps it: outcome, time, first failure and the figures of its steps. */
export function caseRow(seq: number, record: CaseRecord): CaseRow {
  const last = record.attempts[record.attempts.length - 1];
  const measurements: Record<string, number> = {};
  for (const step of last?.steps ?? []) for (const m of step.measurements ?? []) if (!m.name.includes(' ') && Number.isFinite(m.value)) measurements[m.name] = m.value;
  const steps = last?.steps ?? [];
  const failed = steps.find((s) => s.outcome !== 'PASS' && s.outcome !== 'SKIPPED');
  const detail: CaseDetail = {
    steps: steps.slice(0, DETAIL_STEPS).map((s) => ({ label: s.label, outcome: s.outcome, durationMs: s.durationMs, ...(s.reason ? { reason: s.reason } : {}), ...(s.warnings?.length ? { warnings: s.warnings } : {}) })),
    ...(record.troubleshoot ? { troubleshoot: record.troubleshoot } : {}),
    ...(failed?.transcript?.excerpt ? { excerpt: failed.transcript.excerpt.slice(-DETAIL_EXCERPT).map((e) => ({ ms: e.ms, channel: e.channel, dir: e.dir, ...(e.text !== undefined ? { text: e.text } : {}), ...(e.hex !== undefined ? { hex: e.hex } : {}) })) } : {}),
  };
  return { seq, suite: record.suite, caseId: record.id, outcome: record.outcome, durationMs: record.durationMs, ...(record.reason ? { firstFailure: record.reason } : {}), measurements, detail, ...(record.firmware ? { firmware: record.firmware } : {}) };
}
