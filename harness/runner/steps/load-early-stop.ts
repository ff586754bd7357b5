/**
 * When a load step can stop early: once the transactions so far make a limit impossible to meet
 * whatever the remaining ones do, running them only wastes bench time (an 8-minute step that was
 * lost after 40 transactions). Only limits that the remaining transactions cannot rescue count:
 * the success rate's minimum, and the maximum of the max latency and of each percentile.
 * Throughput is left alone: it depends on the time the rest would take.
 */
import type { LoadSpec } from '../../config/types.js';

export interface SoFar {
  /** Measured transactions planned (the step's count, warm-up excluded). */
  count: number;
  failures: number;
  /** Latencies of the successful measured transactions, in ms. */
  latencies: readonly number[];
}

const PERCENTILES = { p50: 50, p95: 95, p99: 99 } as const;

/** Why the limits can no longer be met, or undefined while they still can. */
export function cannotMeetLimits(limits: LoadSpec['limits'], so: SoFar): string | undefined {
  const minRate = limits.successRate?.min;
  if (minRate !== undefined) {
    // The best final rate: every remaining transaction succeeds.
    const best = (100 * (so.count - so.failures)) / so.count;
    if (best < minRate) return `successRate cannot reach ${minRate} %: ${so.failures} of ${so.count} transactions failed already (best possible ${round(best)} %)`;
  }
  const max = limits.max?.max;
  if (max !== undefined) {
    // A loop, not Math.max(...latencies): spreading more than ~150,000 arguments overflows the stack (a soak of two hours).
    let worst = -Infinity;
    for (const v of so.latencies) if (v > worst) worst = v;
    if (worst > max) return `max cannot stay at or below ${max} ms: one transaction took ${round(worst)} ms`;
  }
  for (const [name, p] of Object.entries(PERCENTILES) as [keyof typeof PERCENTILES, number][]) {
    const limit = limits[name]?.max;
    if (limit === undefined) continue;
    // Nearest rank: the p-th percentile of n values exceeds L once more than n - ceil(p·n/100)
    // of them exceed L. That bound grows with n, so checking it at the largest n (all planned
    // transactions succeed) is the case most in the limit's favour.
    const over = so.latencies.filter((v) => v > limit).length;
    const allowed = so.count - Math.ceil((p / 100) * so.count);
    if (over > allowed) return `${name} cannot stay at or below ${limit} ms: ${over} of ${so.count} transactions took longer already (at most ${allowed} may)`;
  }
  return undefined;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
