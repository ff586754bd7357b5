/**
 * The written forms of times and rates in suites: `90s`, `2h`, `1h30m`, `500ms` (a bare number is
 * milliseconds, as every other time in a suite), and arrival rates `5/s`, `300/m`, `18000/h` (a bare
 * number is per second). The schema admits only these forms; the parsers turn them into numbers.
 */
import type { DriftAllowance } from '../core/load-series.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;

/** Milliseconds of a duration such as `2h`, `1h30m`, `90s`, `250ms` or a number of ms; undefined if it is none. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const text = value.trim();
  if (text === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let end = 0;
  for (let m = PART.exec(text); m; m = PART.exec(text)) {
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
    end = PART.lastIndex;
  }
  return end === text.length ? Math.round(total) : undefined;
}

/** Transactions per second of a rate such as `5/s`, `300/m`, `18000/h` or a number per second. */
export function parseRate(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(s|m|h)\s*$/.exec(value);
  if (!m) return undefined;
  const perSecond = Number(m[1]) / { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
  return perSecond > 0 ? perSecond : undefined;
}


export function parseDrift(value: string | number): DriftAllowance | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? { absolute: value } : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
  return m ? { relative: Number(m[1]) / 100 } : undefined;
}

/** `90000` → `1m30s`, for labels and messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 1000);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}
