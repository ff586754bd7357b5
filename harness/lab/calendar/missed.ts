/**
 * Missed scheduled runs: a store's 07:30 health check that never started must reach a person
 * before the store opens. A firing is missed when pg-boss should have fired it (it is due and its
 * grace time has passed) and no run was recorded within a minute of it — pg-boss sends a schedule
 * within the minute it falls due, or not at all.
 */
import { firingsBetween, type Schedule } from './cron.js';

/** How far a recorded firing may be from the time it was due and still count as that firing. */
export const FIRING_TOLERANCE_MS = 60_000;

/**
 * Fire times in (from, now − grace] with no entry of `firedAt` within FIRING_TOLERANCE_MS of them,
 * oldest first (at most MAX_FIRINGS of them, the latest).
 */
export function missedFirings(schedule: Schedule, from: Date, now: Date, firedAt: readonly Date[], graceMs: number): Date[] {
  const due = firingsBetween(schedule, from, new Date(now.getTime() - Math.max(0, graceMs)));
  const fired = firedAt.map((d) => d.getTime()).sort((a, b) => a - b);
  return due.filter((at) => !hasNear(fired, at.getTime()));
}

/** Whether the sorted times hold one within the tolerance of `at` (binary search). */
function hasNear(sorted: readonly number[], at: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < at - FIRING_TOLERANCE_MS) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo]! <= at + FIRING_TOLERANCE_MS;
}
