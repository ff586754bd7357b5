/** A worker's clocks, in their own module: status and submit read the defaults without loading the runner. */
export interface WorkerTimings {
  /** A lease not renewed for this long is reaped (default 60 s). */
  leaseTtlMs: number;
  heartbeatMs: number;
  reaperMs: number;
  /** Looking for jobs without being woken (NOTIFY covers the usual case). */
  pollMs: number;
  /** How often schedules' firings are taken and missed ones looked for. */
  cronCheckMs: number;
  /** How long after its time a scheduled run that never started counts as missed. */
  missedGraceMs: number;
}

export const DEFAULT_TIMINGS: WorkerTimings = { leaseTtlMs: 60_000, heartbeatMs: 10_000, reaperMs: 5_000, pollMs: 2_000, cronCheckMs: 15_000, missedGraceMs: 5 * 60_000 };

/**
 * How far ahead a lease is set to expire when taken or renewed: the TTL less one reaper period,
 * since a reaper finds an expired lease up to that much later. A killed worker's device is then
 * free within the TTL of its last heartbeat (docs/lab.md), not a reaper period past it.
 * Never less than two heartbeats: `lab worker` refuses a heartbeat over a third of the TTL.
 */
export function leaseSpanMs(timings: Pick<WorkerTimings, 'leaseTtlMs' | 'reaperMs'>): number {
  return timings.leaseTtlMs - timings.reaperMs;
}
