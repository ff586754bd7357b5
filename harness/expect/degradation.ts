/**
 * Judges a load step's time series: limits that every window must meet, and how far a figure may
 * drift between the first and the last window. "Slower after two hours" is a drift or a window
 * over its limit, and the verdict names the window: its number, its time span and the figure
 * against the limit. Only full windows are judged (a short last window has too few transactions
 * to say anything), and drift starts at the first full window after the ramp.
 */
import { clock, figureOf, WINDOW_UNITS, WORSE_UP, type DriftAllowance, type LoadWindow, type WindowFigure } from '../core/load-series.js';
import type { Limits, Measurement } from '../core/record.js';
import { judge, measurement } from './limits.js';

export type WindowLimits = Partial<Record<WindowFigure, Limits>>;
export type DriftLimits = Partial<Record<WindowFigure, DriftAllowance>>;

/** "window 7 (1m00s–1m10s)": how a failure names a window. */
export function windowName(w: LoadWindow): string {
  return `window ${w.index + 1} (${clock(w.startMs)}–${clock(w.endMs)})`;
}


export { clock };

export const judged = (w: LoadWindow): boolean => !w.partial;

/**
 * The first window that breaks a window limit, as a failure text, and the figures over their
 * limit in that window. Figures a window lacks (no transactions, not reported) are not judged.
 */
export function overWindowLimits(w: LoadWindow, limits: WindowLimits): { figures: WindowFigure[]; reason?: string } {
  const figures: WindowFigure[] = [];
  let reason: string | undefined;
  if (!judged(w)) return { figures };
  for (const [figure, limit] of Object.entries(limits) as [WindowFigure, Limits][]) {
    const value = figureOf(w, figure);
    if (value === undefined || judge(value, limit) !== 'FAIL') continue;
    figures.push(figure);
    reason ??= `${windowName(w)}: ${figure} = ${round(value)} ${WINDOW_UNITS[figure]}, ${boundText(value, limit, WINDOW_UNITS[figure])}`;
  }
  return reason === undefined ? { figures } : { figures, reason };
}

/** One measurement per limited figure: its worst full window, named, against the limit. */
export function worstWindowMeasurements(windows: readonly LoadWindow[], limits: WindowLimits): Measurement[] {
  const full = windows.filter(judged);
  return (Object.entries(limits) as [WindowFigure, Limits][]).map(([figure, limit]) => {
    let worst: { w: LoadWindow; value: number } | undefined;
    for (const w of full) {
      const value = figureOf(w, figure);
      if (value === undefined) continue;
      const worse = WORSE_UP.has(figure) ? value > (worst?.value ?? -Infinity) : value < (worst?.value ?? Infinity);
      // A window over the limit is worse than any within it, whichever way the limit points.
      const failing = judge(value, limit) === 'FAIL';
      const worstFailing = worst !== undefined && judge(worst.value, limit) === 'FAIL';
      if (!worst || (failing && !worstFailing) || (failing === worstFailing && worse)) worst = { w, value };
    }
    const name = worst ? `${figure} of ${windowName(worst.w)}` : `${figure} per window`;
    return measurement(name, worst ? round(worst.value) : Number.NaN, WINDOW_UNITS[figure], limit);
  });
}

/** The windows drift compares: the first and last full windows that begin after the ramp. */
export function driftWindows(windows: readonly LoadWindow[], rampMs = 0): { first: LoadWindow; last: LoadWindow } | undefined {
  const eligible = windows.filter((w) => judged(w) && w.startMs >= rampMs && w.transactions > 0);
  if (eligible.length < 2) return undefined;
  return { first: eligible[0]!, last: eligible.at(-1)! };
}

/**
 * How much worse a figure got from `first` to `last`: positive is worse (slower, fewer
 * successes, less free memory), negative is better. Relative drift is in % of the first value.
 */
export function driftOf(figure: WindowFigure, first: number, last: number, allowance: DriftAllowance): number {
  const worse = WORSE_UP.has(figure) ? last - first : first - last;
  if ('absolute' in allowance) return worse;
  if (first === 0) return worse === 0 ? 0 : worse > 0 ? Infinity : -Infinity;
  return (100 * worse) / Math.abs(first);
}

export interface DriftVerdict {
  measurements: Measurement[];
  /** The first drift over its limit, named with both windows. */
  reason?: string;
  compared?: { first: number; last: number };
}

export function judgeDrift(windows: readonly LoadWindow[], drift: DriftLimits, rampMs = 0): DriftVerdict {
  const entries = Object.entries(drift) as [WindowFigure, DriftAllowance][];
  if (entries.length === 0) return { measurements: [] };
  const pair = driftWindows(windows, rampMs);
  if (!pair) {
    const full = windows.filter((w) => judged(w) && w.startMs >= rampMs && w.transactions > 0).length;
    return {
      measurements: entries.map(([figure, a]) => measurement(`${figure} drift`, Number.NaN, 'absolute' in a ? WINDOW_UNITS[figure] : '%', { max: allowed(a) })),
      reason: `drift needs two full windows after the ramp to compare, and the step had ${full}`,
    };
  }
  const { first, last } = pair;
  let reason: string | undefined;
  const measurements = entries.map(([figure, a]) => {
    const unit = 'absolute' in a ? WINDOW_UNITS[figure] : '%';
    const from = figureOf(first, figure);
    const to = figureOf(last, figure);
    const value = from === undefined || to === undefined ? Number.NaN : round(driftOf(figure, from, to, a));
    const m = measurement(`${figure} drift`, value, unit, { max: allowed(a) });
    if (m.verdict === 'FAIL' && reason === undefined) {
      const u = WINDOW_UNITS[figure];
      reason =
        from === undefined || to === undefined
          ? `${figure} drift: ${from === undefined ? windowName(first) : windowName(last)} has no ${figure}`
          : `${figure} drift from ${windowName(first)} to ${windowName(last)}: ${round(from)} → ${round(to)} ${u}, ${value > 0 ? 'worse' : 'changed'} by ${value} ${unit}, above the allowed ${allowed(a)} ${unit}`;
    }
    return m;
  });
  return { measurements, compared: { first: first.index, last: last.index }, ...(reason ? { reason } : {}) };
}

const allowed = (a: DriftAllowance) => ('absolute' in a ? a.absolute : Math.round(a.relative * 100_000) / 1000);

function boundText(value: number, limit: Limits, unit: string): string {
  if (limit.max !== undefined && value > limit.max) return `above the maximum ${limit.max} ${unit}`;
  if (limit.min !== undefined && value < limit.min) return `below the minimum ${limit.min} ${unit}`;
  return 'outside its limits';
}

function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : value;
}
