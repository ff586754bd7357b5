/**
 * The harness watching itself during a long step: its resident set, its heap and how late its
 * event loop ran, sampled once per window of a load step. A soak of several hours then carries
 * its own proof that poshil's memory stayed flat and that timers fired on time (a late loop
 * inflates every latency the harness measures).
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { HarnessHealth } from '../core/load-series.js';

const MIB = 1024 * 1024;
/** 10 ms resolution: fine enough to see a stall, cheap enough to run for hours. */
const RESOLUTION_MS = 10;

export class SelfSampler {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });

  constructor() {
    this.delay.enable();
  }

  /** The figures since the last sample; the delay histogram starts again for the next window. */
  sample(): HarnessHealth {
    const memory = process.memoryUsage();
    // The histogram counts the timer's own resolution in every delay; what is beyond it is lateness.
    const late = (ns: number) => (Number.isFinite(ns) && ns > 0 ? Math.max(0, ns / 1e6 - RESOLUTION_MS) : 0);
    const sample: HarnessHealth = {
      rssMiB: round(memory.rss / MIB),
      heapUsedMiB: round(memory.heapUsed / MIB),
      loopDelayP99Ms: round(late(this.delay.count > 0 ? this.delay.percentile(99) : 0)),
      loopDelayMaxMs: round(late(this.delay.count > 0 ? this.delay.max : 0)),
    };
    this.delay.reset();
    return sample;
  }

  stop(): void {
    this.delay.disable();
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
