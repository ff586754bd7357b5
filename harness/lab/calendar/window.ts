/**
 * Maintenance windows: the hours a store or a bench allows disruptive work (a firmware upgrade)
 * on its terminals. A window opens at each firing of its cron, in its time zone, and stays open for
 * its duration; a disruptive plan starts only while its device's window is open and otherwise
 * waits until `opensAt`.
 */
import { formatDuration, parseDuration } from '../../config/quantities.js';
import { checkCron, latestFiring, nextFiring, type Schedule } from './cron.js';

export interface MaintenanceWindow extends Schedule {
  /** What the window is for, e.g. the site `store-12`. */
  name: string;
  durationMs: number;
}

export type WindowState = { open: true; closesAt: Date } | { open: false; opensAt: Date | undefined };

/** Longest window: a window open for more than a week is a device that is always in maintenance. */
export const MAX_WINDOW_MS = 7 * 24 * 3_600_000;

/**
 * Milliseconds of a window length written `3h`, `90m`, `1h30m` (the suites' duration form), or
 * undefined. A unit is required: a bare `3` would be three milliseconds.
 */
export function parseWindowDuration(text: string): number | undefined {
  if (!/[a-z]\s*$/i.test(text)) return undefined;
  const ms = parseDuration(text);
  return ms !== undefined && ms >= 60_000 && ms <= MAX_WINDOW_MS ? ms : undefined;
}

/** Why a window cannot be used, or null. */
export function checkWindow(window: MaintenanceWindow): string | null {
  const cronProblem = checkCron(window.cron, window.tz);
  if (cronProblem) return `maintenance window ${window.name}: ${cronProblem}`;
  if (!Number.isFinite(window.durationMs) || window.durationMs < 60_000 || window.durationMs > MAX_WINDOW_MS) {
    return `maintenance window ${window.name}: the duration must be between 1m and ${formatDuration(MAX_WINDOW_MS)} (e.g. 3h, 90m, 1h30m)`;
  }
  // A window whose cron fires again before each opening ends never closes: its devices would be
  // in maintenance for good, and a disruptive plan could start on them at any hour.
  const first = nextFiring(window, new Date());
  if (first && neverCloses(window, first)) return `maintenance window ${window.name}: it never closes, as "${window.cron}" fires again before each ${formatDuration(window.durationMs)} opening ends; give a shorter duration or a sparser cron`;
  return null;
}

/** Whether the opening at `from` is followed by overlapping ones for the next 100 firings. */
function neverCloses(window: MaintenanceWindow, from: Date): boolean {
  let closesAt = from.getTime() + window.durationMs;
  let at: Date | undefined = from;
  for (let i = 0; i < 100; i++) {
    at = nextFiring(window, at);
    if (!at || at.getTime() >= closesAt) return false;
    closesAt = at.getTime() + window.durationMs;
  }
  return true;
}

/**
 * Whether the window is open at `now`: open if its latest firing at or before now, plus the
 * duration, is after now. An open window closes when the last of the firings that overlap it
 * ends (a window that fires again before it closes stays open). A closed window says when it
 * next opens (undefined if its cron never fires again).
 */
export function windowState(window: MaintenanceWindow, now: Date): WindowState {
  const latest = latestFiring(window, now);
  if (latest && latest.getTime() + window.durationMs > now.getTime()) {
    let closesAt = latest.getTime() + window.durationMs;
    // Overlapping firings extend the window; bounded, since a window that never closes is a mistake.
    for (let i = 0, next = nextFiring(window, now); next && next.getTime() < closesAt && i < 100; i++, next = nextFiring(window, next)) {
      closesAt = next.getTime() + window.durationMs;
    }
    return { open: true, closesAt: new Date(closesAt) };
  }
  return { open: false, opensAt: nextFiring(window, now) };
}
