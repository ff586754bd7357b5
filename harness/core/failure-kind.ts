/**
 * What kind of failure a step ended in, so that a case's troubleshooting text can fit it: a
 * timing limit exceeded needs different advice from a refused card or a lost link. Read from the
 * step's record only, so a report can tell the kind of any stored run the same way.
 */
import type { StepRecord } from './record.js';

export const FAILURE_KINDS = ['limit', 'refused', 'schema', 'timeout', 'link', 'other'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** Codes of a link or transport that went away or never came up. */
const LINK_CODES = /\[(E_LINK_[A-Z_]+|E_CONNECT_[A-Z_]+|E_PORT_[A-Z_]+|E_ZVT_NO_ACK|E_SIMULATOR_[A-Z_]+)\]/;
/** Transaction results that mean the terminal (or its host) said no. */
const REFUSALS = new Set(['declined', 'refused', 'rejected', 'aborted', 'cancelled', 'canceled', 'error']);

export function failureKindOf(step: StepRecord): FailureKind {
  const reason = step.reason ?? '';
  if (LINK_CODES.test(reason)) return 'link';
  if (step.outcome === 'TIMEOUT') return 'timeout';
  // The bench failed (a stimulus command, its route): the terminal refused nothing.
  if (step.outcome === 'ERROR') return 'other';
  if (step.measurements?.some((m) => m.verdict === 'FAIL')) return 'limit';
  if (isRefusal(step.observed)) return 'refused';
  if (step.issues?.length) return 'schema';
  return 'other';
}

function isRefusal(observed: unknown): boolean {
  if (typeof observed !== 'object' || observed === null) return false;
  const o = observed as { error?: unknown; result?: unknown; event?: unknown; data?: unknown };
  // `do` records a refusal as { error }, its answer as { result }; `await` as { event, data }.
  if (o.error !== undefined && o.result === undefined) return true;
  const body = o.event !== undefined ? o.data : o.result;
  const result = typeof body === 'object' && body !== null ? (body as { result?: unknown }).result : body;
  return typeof result === 'string' && REFUSALS.has(result.toLowerCase());
}

/** Troubleshooting texts as a suite writes them: one for every failure, or one per kind. */
export type Troubleshoot = string | Partial<Record<FailureKind, string>>;

/** The text for this kind of failure: the single text, the kind's own, `other`, or none. */
export function troubleshootFor(texts: Troubleshoot | undefined, kind: FailureKind): string | undefined {
  if (texts === undefined) return undefined;
  if (typeof texts === 'string') return texts;
  return texts[kind] ?? texts.other;
}
