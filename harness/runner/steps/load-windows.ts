/**
 * Cuts a load step's measured period into windows as it runs. Each transaction lands in the
 * window in which it completed; a timer closes each window at its boundary, takes the harness's
 * own sample at once and asks the terminal for its health (that answer is filled in when it
 * arrives). Only the open window keeps its latencies: a closed one is a handful of figures, so
 * an eight-hour soak holds no more in memory than a one-minute one.
 */
import type { HarnessHealth, LoadSeries, LoadWindow, TerminalHealth } from '../../core/load-series.js';

export interface WindowOptions {
  windowMs: number;
  rampMs?: number;
  /** Where the measured period ends by time (a `duration`): the last window runs to the end of the step instead of closing here. */
  endsAtMs?: number;
  /** performance.now()-like clock. */
  now?: () => number;
  harness: () => HarnessHealth;
  /** Asks the terminal how it is; resolves with what it said (never rejects). */
  terminal?: () => Promise<TerminalHealth>;
  /** Called with each window as it closes (before the terminal's answer is in). */
  onClose?: (window: LoadWindow) => void;
}

interface Open {
  index: number;
  startMs: number;
  latencies: number[];
  transactions: number;
  failures: Record<string, number>;
  reboots: number;
}

export class WindowRecorder {
  readonly windows: LoadWindow[] = [];
  private readonly now: () => number;
  private start = 0;
  private open: Open | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: WindowOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Starts the first window at `at` (the start of the measured period). */
  begin(at = this.now()): void {
    this.start = at;
    this.open = { index: 0, startMs: 0, latencies: [], transactions: 0, failures: {}, reboots: 0 };
    this.schedule();
  }

  /** A finished transaction: `latencyMs` counts only when it succeeded. */
  add(ok: boolean, latencyMs: number, failure?: string): void {
    const w = this.open;
    if (!w) return;
    w.transactions++;
    if (ok) w.latencies.push(latencyMs);
    else w.failures[failure ?? 'unknown'] = (w.failures[failure ?? 'unknown'] ?? 0) + 1;
  }

  /** The terminal started again (it sent `terminal.ready`). */
  reboot(): void {
    if (this.open) this.open.reboots++;
  }

  /** The last closed window, for progress reports. */
  get latest(): LoadWindow | undefined {
    return this.windows.at(-1);
  }

  /** Closes the open window at the end of the step and waits (at most `waitMs`) for the terminal's last answers. */
  async finish(waitMs = 5000): Promise<LoadSeries> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.open && (this.open.transactions > 0 || this.windows.length === 0 || this.now() - this.start - this.open.startMs >= 1)) this.close(this.now() - this.start);
    this.open = undefined;
    if (this.pending.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(this.pending), new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
    }
    return this.series();
  }

  /** Stops without closing anything (an aborted step keeps the windows it closed). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  series(): LoadSeries {
    return { windowMs: this.options.windowMs, ...(this.options.rampMs ? { rampMs: this.options.rampMs } : {}), windows: this.windows };
  }

  private schedule(): void {
    const w = this.open;
    if (!w) return;
    const boundary = w.startMs + this.options.windowMs;
    // A step that ends by time lets its last window run on to the end: the transactions still in
    // flight at the deadline belong to it, not to a sliver of a window of their own.
    const ends = this.options.endsAtMs;
    if (ends !== undefined && boundary >= ends) return;
    const delay = Math.max(0, this.start + boundary - this.now());
    this.timer = setTimeout(() => {
      this.close(boundary);
      this.schedule();
    }, delay);
  }

  private close(endMs: number): void {
    const w = this.open!;
    const closed = summarise(w, endMs, this.options.windowMs, this.options.harness());
    this.windows.push(closed);
    this.open = { index: w.index + 1, startMs: endMs, latencies: [], transactions: 0, failures: {}, reboots: 0 };
    this.options.onClose?.(closed);
    const ask = this.options.terminal;
    if (ask) {
      const done: Promise<void> = ask().then((health) => {
        closed.terminal = health;
        this.pending.delete(done);
      });
      this.pending.add(done);
    }
  }
}

/** A window's figures from its transactions. */
export function summarise(w: Open, endMs: number, windowMs: number, harness: HarnessHealth): LoadWindow {
  const sorted = w.latencies.sort((a, b) => a - b);
  const spanMs = endMs - w.startMs;
  const succeeded = sorted.length;
  const failed = w.transactions - succeeded;
  return {
    index: w.index,
    startMs: round(w.startMs),
    endMs: round(endMs),
    ...(spanMs < windowMs - 1 ? { partial: true } : {}),
    transactions: w.transactions,
    succeeded,
    successRate: w.transactions === 0 ? null : round((100 * succeeded) / w.transactions),
    tps: spanMs > 0 ? round((1000 * succeeded) / spanMs) : 0,
    p50: orNull(percentile(sorted, 50)),
    p95: orNull(percentile(sorted, 95)),
    p99: orNull(percentile(sorted, 99)),
    max: orNull(sorted.at(-1) ?? Number.NaN),
    ...(failed > 0 ? { failures: { ...w.failures } } : {}),
    ...(w.reboots > 0 ? { reboots: w.reboots } : {}),
    harness,
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

const orNull = (value: number) => (Number.isFinite(value) ? round(value) : null);

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
