/**
 * When each transaction of a load step may start. Closed loop (`concurrency`): each worker
 * starts its next transaction when its last one ended; a ramp lets the workers join one by one.
 * Open loop (`rate`): transaction k arrives at a fixed time whatever the terminal does, the way
 * customers arrive at a till; a ramp raises the rate linearly from 0 over its length. A
 * transaction that waits for a free slot is timed from its arrival, so a terminal that falls
 * behind shows in the latency instead of quietly lowering the load (no coordinated omission).
 */

/** Milliseconds after the start at which transaction k (from 0) arrives, at `perSecond` after a linear ramp of `rampMs`. */
export function arrivalMs(k: number, perSecond: number, rampMs = 0): number {
  const perMs = perSecond / 1000;
  // Arrivals during the ramp: N(t) = perMs·t²/(2·ramp), reaching perMs·ramp/2 at its end.
  const duringRamp = (perMs * rampMs) / 2;
  if (rampMs > 0 && k < duringRamp) return Math.sqrt((2 * rampMs * k) / perMs);
  return rampMs + (k - duringRamp) / perMs;
}

/** Milliseconds after the start at which closed-loop worker i of n begins. */
export function workerStartMs(i: number, workers: number, rampMs = 0): number {
  return workers <= 1 ? 0 : (rampMs * i) / workers;
}
