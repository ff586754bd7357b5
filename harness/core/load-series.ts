/**
 * The time series a `load` step records: its measured period cut into windows (default one
 * minute), each with the transactions completed in it, their success rate, throughput and
 * latency percentiles, the terminal's own health (from its `status` verb) and the harness's own
 * memory and event-loop delay. A soak is judged on it: limits on each window, and on the drift
 * between the first and the last. Kept in the step's `details.series` (record.schema.json,
 * definitions/loadSeries); records from before it simply lack it.
 */

/** What the terminal said about itself when the window closed (the fields it reports). */
export interface TerminalHealth {
  /** Free memory of the terminal, KiB. */
  freeMemoryKb?: number;
  /** Temperature inside the terminal, °C. */
  temperatureC?: number;
  /** Its state word, e.g. idle, processing. */
  state?: string;
  /** Why no sample could be had (no status verb, no answer). */
  error?: string;
}

/** The harness's own process, so that every long run shows whether poshil itself stayed flat. */
export interface HarnessHealth {
  rssMiB: number;
  heapUsedMiB: number;
  /** Event-loop delay during the window (perf_hooks.monitorEventLoopDelay), ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** The figures of one window that limits and drift can name. */
export const WINDOW_FIGURES = ['successRate', 'tps', 'p50', 'p95', 'p99', 'max', 'freeMemoryKb', 'temperatureC'] as const;
export type WindowFigure = (typeof WINDOW_FIGURES)[number];

/** Figures that are worse when they go up; the others (success rate, throughput, free memory) are worse going down. */
export const WORSE_UP: ReadonlySet<WindowFigure> = new Set(['p50', 'p95', 'p99', 'max', 'temperatureC']);

export const WINDOW_UNITS: Record<WindowFigure, string> = { successRate: '%', tps: 'tps', p50: 'ms', p95: 'ms', p99: 'ms', max: 'ms', freeMemoryKb: 'KiB', temperatureC: '°C' };

export interface LoadWindow {
  /** 0-based; reports count from 1. */
  index: number;
  /** Offsets from the start of the measured period (after warm-up), ms. */
  startMs: number;
  endMs: number;
  /** Shorter than a full window (the last one of a step that ended early or by count): shown, not judged. */
  partial?: boolean;
  /** Transactions that completed in the window, and of those the successful ones. */
  transactions: number;
  succeeded: number;
  /** Percent; null when no transaction completed in the window. */
  successRate: number | null;
  /** Successful transactions per second of the window. */
  tps: number;
  /** Latency of the successful transactions, ms; null when there were none. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  failures?: Record<string, number>;
  /** Times the terminal announced it had started again (`terminal.ready`) during the window. */
  reboots?: number;
  terminal?: TerminalHealth;
  harness: HarnessHealth;
  /** The figures of this window that broke a window limit. */
  over?: WindowFigure[];
}

export interface LoadSeries {
  windowMs: number;
  /** The ramp at the start, ms; windows that begin inside it do not count for drift. */
  rampMs?: number;
  windows: LoadWindow[];
  /** The windows the drift compared (indexes), when the step has drift limits. */
  drift?: { first: number; last: number };
}

/** How far a figure may drift from the first window to the last: `20%` of the first window's value, or an amount in the figure's own unit. */
export type DriftAllowance = { relative: number } | { absolute: number };

/** A window's value of a figure, or undefined when it has none (no transactions, not reported). */
export function figureOf(window: LoadWindow, figure: WindowFigure): number | undefined {
  const value = figure === 'freeMemoryKb' || figure === 'temperatureC' ? window.terminal?.[figure] : window[figure];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Offset from the start of the measured period as h:mm:ss or m:ss, how windows are named. */
export function clock(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}
