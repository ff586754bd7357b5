/** The one place where an exception becomes an outcome. */
import type { Outcome } from '../core/outcome.js';
import { PoshilError, errorMessage } from '../core/errors.js';

export interface Verdict {
  outcome: Outcome;
  reason?: string;
}

const TIMEOUT_CODES = new Set(['E_REPLY_TIMEOUT', 'E_CONNECT_TIMEOUT', 'E_STEP_TIMEOUT']);

export function outcomeOf(error: unknown, runSignal: AbortSignal): Verdict {
  if (runSignal.aborted) return { outcome: 'ABORTED', reason: 'the run was interrupted' };
  if (error instanceof PoshilError) {
    return { outcome: TIMEOUT_CODES.has(error.code) ? 'TIMEOUT' : 'ERROR', reason: `${error.message} [${error.code}]` };
  }
  return { outcome: 'ERROR', reason: `internal error: ${errorMessage(error)}` };
}
