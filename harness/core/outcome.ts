/** How a step, an attempt or a case ended. */
export const OUTCOMES = ['PASS', 'FAIL', 'ERROR', 'TIMEOUT', 'SKIPPED', 'ABORTED'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Severity used when outcomes are combined: the worst one wins. SKIPPED ranks below PASS so
 * that a case whose remaining steps were skipped keeps the outcome of the step that stopped it.
 */
const severity: Record<Outcome, number> = {
  SKIPPED: 0,
  PASS: 1,
  FAIL: 2,
  TIMEOUT: 3,
  ERROR: 4,
  ABORTED: 5,
};

export function worst(outcomes: Iterable<Outcome>): Outcome {
  let result: Outcome = 'SKIPPED';
  for (const o of outcomes) if (severity[o] > severity[result]) result = o;
  return result;
}

export function isFailure(outcome: Outcome): boolean {
  return outcome === 'FAIL' || outcome === 'ERROR' || outcome === 'TIMEOUT';
}
