/**
 * Maintenance windows in the lab: a disruptive job (a firmware upgrade) starts on a device only
 * while one of the windows covering it is open. A window covers the devices its selection
 * matches (`lab window add store-12` alone covers site=store-12).
 */
import type pg from 'pg';
import { InputError } from '../core/errors.js';
import { matches, parseSelection } from '../bench/select.js';
import { checkWindow, windowState, type MaintenanceWindow, type WindowState } from './calendar/index.js';
import { canonicalSelection, selectionLabels } from './queues.js';

export interface LabWindow extends MaintenanceWindow {
  selection: string;
  labels: Record<string, string[]>;
}

interface WindowRow {
  name: string;
  selection: string;
  labels: Record<string, string[]>;
  cron: string;
  tz: string;
  duration_ms: string;
}

export async function addWindow(pool: pg.Pool, window: { name: string; selection?: string; cron: string; tz: string; durationMs: number }): Promise<LabWindow> {
  const selection = parseSelection(window.selection ?? `site=${window.name}`);
  const problem = checkWindow({ name: window.name, cron: window.cron, tz: window.tz, durationMs: window.durationMs });
  if (problem) throw new InputError('E_LAB_WINDOW', problem, { hint: "e.g. poshil lab window add store-12 --cron '0 2 * * *' --tz Asia/Shanghai --duration 3h" });
  const labels = selectionLabels(selection);
  await pool.query(
    `INSERT INTO lab.windows (name, selection, labels, cron, tz, duration_ms) VALUES ($1,$2,$3,$4,$5,$6)
     ON CONFLICT (name) DO UPDATE SET selection = $2, labels = $3, cron = $4, tz = $5, duration_ms = $6`,
    [window.name, canonicalSelection(selection), JSON.stringify(labels), window.cron, window.tz, window.durationMs],
  );
  return { name: window.name, selection: canonicalSelection(selection), labels, cron: window.cron, tz: window.tz, durationMs: window.durationMs };
}

export async function removeWindow(pool: pg.Pool, name: string): Promise<boolean> {
  return ((await pool.query('DELETE FROM lab.windows WHERE name = $1', [name])).rowCount ?? 0) > 0;
}

export async function listWindows(pool: pg.Pool): Promise<LabWindow[]> {
  const { rows } = await pool.query<WindowRow>('SELECT name, selection, labels, cron, tz, duration_ms FROM lab.windows ORDER BY name');
  return rows.map((w) => ({ name: w.name, selection: w.selection, labels: w.labels, cron: w.cron, tz: w.tz, durationMs: Number(w.duration_ms) }));
}

export function covers(window: LabWindow, labels: Readonly<Record<string, string>>): boolean {
  return matches(labels, { terms: new Map(Object.entries(window.labels)), text: window.selection });
}

/** The windows covering a device, each with its state now. */
export function windowsOf(windows: readonly LabWindow[], labels: Readonly<Record<string, string>>, now: Date): { window: LabWindow; state: WindowState }[] {
  return windows.filter((w) => covers(w, labels)).map((window) => ({ window, state: windowState(window, now) }));
}

/** For the worker: whether any window covering the device is open now. */
export function windowOpener(pool: pg.Pool, now: () => Date = () => new Date()): (device: { labels: Readonly<Record<string, string>> }) => Promise<boolean> {
  return async (device) => windowsOf(await listWindows(pool), device.labels, now()).some((w) => w.state.open);
}
