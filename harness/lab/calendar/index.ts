/** Schedules and maintenance windows of the lab: pure functions of cron, time zone and clock. */
export { checkCron, checkTimeZone, firingsBetween, latestFiring, nextFiring, MAX_FIRINGS, type Schedule } from './cron.js';
export { checkWindow, parseWindowDuration, windowState, MAX_WINDOW_MS, type MaintenanceWindow, type WindowState } from './window.js';
export { missedFirings, FIRING_TOLERANCE_MS } from './missed.js';
