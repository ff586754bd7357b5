/**
 * pg-boss does the queueing, retries and dead letters; the lab decides which queue a job goes to.
 * A `--any` job waits on the queue of its selection (`sel-…`, one per canonical selection, so
 * every device whose labels match may take it); an `--each` job on its device's queue (`dev-…`).
 * A disruptive job (a firmware upgrade) waits on the `-w` twin of that queue, which workers only
 * take from while the device's maintenance window is open.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import PgBoss from 'pg-boss';
import type { Selection } from '../bench/select.js';
import { maskSecret } from './secrets.js';

export const DEAD_LETTER_QUEUE = 'lab-dead';

export interface QueueTimings {
  /** pg-boss's own housekeeping (expiry, retention) and cron checks, seconds. */
  maintenanceIntervalSeconds?: number;
  cronMonitorIntervalSeconds?: number;
  cronWorkerIntervalSeconds?: number;
}

/** `brand=acme|zeta,firmware=2.1`: keys and values sorted, so that equal selections share a queue. */
export function canonicalSelection(selection: Selection): string {
  return [...selection.terms.keys()]
    .sort()
    .map((key) => `${key}=${[...selection.terms.get(key)!].sort().join('|')}`)
    .join(',');
}

export function selectionLabels(selection: Selection): Record<string, string[]> {
  return Object.fromEntries([...selection.terms].map(([key, values]) => [key, [...values].sort()]));
}

export function selectionQueue(selection: Selection, disruptive = false): string {
  return `sel-${hash16(canonicalSelection(selection))}${disruptive ? '-w' : ''}`;
}

export function deviceQueue(deviceId: string, disruptive = false): string {
  return `dev-${hash16(deviceId)}${disruptive ? '-w' : ''}`;
}

export function isWindowQueue(queue: string): boolean {
  return queue.endsWith('-w');
}

function hash16(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * pg-boss on the lab's pool. Its errors (a server gone for a while) are reported through
 * `onError` with credentials masked, never thrown at the process.
 */
export async function startBoss(pool: pg.Pool, options: QueueTimings & { schedule?: boolean; supervise?: boolean; onError?: (message: string) => void } = {}): Promise<PgBoss> {
  const boss = new PgBoss({
    db: { executeSql: (text: string, values: unknown[]) => pool.query(text, values) },
    schedule: options.schedule ?? false,
    supervise: options.supervise ?? false,
    ...(options.maintenanceIntervalSeconds ? { maintenanceIntervalSeconds: options.maintenanceIntervalSeconds } : {}),
    ...(options.cronMonitorIntervalSeconds ? { cronMonitorIntervalSeconds: options.cronMonitorIntervalSeconds } : {}),
    ...(options.cronWorkerIntervalSeconds ? { cronWorkerIntervalSeconds: options.cronWorkerIntervalSeconds } : {}),
  });
  boss.on('error', (error: Error) => options.onError?.(maskSecret(error.message)));
  await boss.start();
  await ensureQueue(pool, DEAD_LETTER_QUEUE);
  return boss;
}

/**
 * Creates a queue when missing, through lab.ensure_queue: pg-boss makes a table partition per
 * queue, which only the schema's owner may, so other roles ask the owner's function.
 */
export async function ensureQueue(pool: pg.Pool, name: string, options: { deadLetter?: string; policy?: 'standard' | 'short' } = {}): Promise<void> {
  await pool.query('SELECT lab.ensure_queue($1, $2)', [name, JSON.stringify({ policy: options.policy ?? 'standard', ...(options.deadLetter ? { deadLetter: options.deadLetter } : {}) })]);
}

/** pg-boss's `db` option on one client: its statements then join the caller's transaction. */
export function onClient(client: pg.PoolClient): PgBoss.Db {
  return { executeSql: (text: string, values: unknown[]) => client.query(text, values) };
}
