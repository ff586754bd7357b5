/**
 * `poshil lab status`: the lab at a glance — workers (online or offline since), devices (idle,
 * leased by which job, quarantined with reason, offline with their worker) and the queue (jobs
 * waiting per selection, disruptive ones waiting for their window). Read-only; no credential
 * appears in it.
 */
import { consoleText } from '../core/console-text.js';
import type pg from 'pg';
import { matches } from '../bench/select.js';
import { listWindows, windowsOf } from './windows.js';
import { silentSql } from './worker/registry.js';

export interface LabStatus {
  workers: { name: string; host: string; bench: string; state: 'online' | 'offline' | 'stopped'; lastSeen: string }[];
  devices: { id: string; name: string; labels: Record<string, string>; worker: string | null; state: 'idle' | 'leased' | 'quarantined' | 'maintenance' | 'offline'; reason: string; job?: string; firmware?: string }[];
  /**
   * `waitsFor`: what its waiting jobs wait on — every matching device out of service, or (for
   * disruptive jobs) the window; `blocked` when no device could take one now.
   */
  queue: { queue: string; selection: string; waiting: number; running: number; window: boolean; waitsFor?: string; blocked?: true }[];
}

/** A worker silent for three of its heartbeats is offline (`heartbeatMs` for one that did not say how often it beats). */
export async function labStatus(pool: pg.Pool, heartbeatMs: number): Promise<LabStatus> {
  const workers = await pool.query<{ name: string; host: string; bench: string; stopped: boolean; offline: boolean; last_seen: Date }>(
    `SELECT DISTINCT ON (name) name, host, bench, stopped_at IS NOT NULL AS stopped, ${silentSql('w', '$1')} AS offline, last_seen
       FROM lab.workers w ORDER BY name, started_at DESC`,
    [heartbeatMs],
  );
  const devices = await pool.query<{ id: string; name: string; labels: Record<string, string>; worker: string | null; health: string; health_reason: string; job_id: string | null; worker_gone: boolean | null; worker_stopped: Date | null; worker_seen: Date | null; identity: { firmware?: string } | null }>(
    `SELECT d.id, d.name, d.labels, w.name AS worker, d.health, d.health_reason, l.job_id, d.identity, w.stopped_at AS worker_stopped, w.last_seen AS worker_seen,
            (w.stopped_at IS NOT NULL OR ${silentSql('w', '$1')}) AS worker_gone
       FROM lab.devices d LEFT JOIN lab.workers w ON w.id = d.worker_id
       LEFT JOIN lab.leases l ON l.device_id = d.id AND l.released_at IS NULL
      WHERE d.removed_at IS NULL
      ORDER BY d.id`,
    [heartbeatMs],
  );
  const queue = await pool.query<{ queue: string; selection: string; labels: Record<string, string[]> | null; devices: string[]; waiting: string; running: string }>(
    `SELECT j.queue, s.selection, q.labels, array_agg(DISTINCT j.device_id) FILTER (WHERE j.device_id IS NOT NULL) AS devices,
            count(*) FILTER (WHERE j.state = 'queued') AS waiting, count(*) FILTER (WHERE j.state = 'running') AS running
       FROM lab.jobs j JOIN lab.submissions s ON s.id = j.submission_id LEFT JOIN lab.queues q ON q.name = j.queue
      WHERE j.state IN ('queued', 'running') GROUP BY j.queue, s.selection, q.labels ORDER BY j.queue`,
  );
  const windows = await listWindows(pool);
  const now = new Date();
  const shown: LabStatus['devices'] = devices.rows.map((d) => ({
    id: d.id,
    name: d.name,
    labels: d.labels,
    worker: d.worker,
    state: d.job_id ? 'leased' : d.worker_gone !== false ? 'offline' : d.health === 'quarantined' ? 'quarantined' : d.health === 'maintenance' ? 'maintenance' : 'idle',
    reason: d.job_id ? `job ${d.job_id}` : d.worker_gone !== false ? offlineReason(d) : d.health_reason,
    ...(d.job_id ? { job: d.job_id } : {}),
    ...(d.identity?.firmware ? { firmware: d.identity.firmware } : {}),
  }));
  /** Why a queue's jobs wait: every matching device out of service, or (disruptive) the window. */
  const waitsFor = (q: (typeof queue.rows)[number]): { waitsFor: string; blocked?: true } | undefined => {
    const targets = shown.filter((d) => (q.labels ? matches(d.labels, { terms: new Map(Object.entries(q.labels)), text: '' }) : (q.devices ?? []).includes(d.id)));
    if (targets.length > 0 && !targets.some((d) => d.state === 'idle' || d.state === 'leased')) return { waitsFor: outOfService(targets), blocked: true };
    if (!q.queue.endsWith('-w')) return undefined;
    const states = targets.flatMap((d) => windowsOf(windows, d.labels, now));
    if (states.length === 0) return { waitsFor: 'disruptive: no maintenance window covers its devices (poshil lab window add)', blocked: true };
    const open = states.find((w) => w.state.open);
    if (open) return { waitsFor: `disruptive: window ${open.window.name} is open` };
    const closed = states.flatMap((w) => (!w.state.open && w.state.opensAt ? [{ window: w.window, opensAt: w.state.opensAt }] : [])).sort((a, b) => a.opensAt.getTime() - b.opensAt.getTime());
    const next = closed[0];
    if (!next) return { waitsFor: 'disruptive: its windows never open again', blocked: true };
    const opensAt = next.opensAt;
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: next.window.tz, dateStyle: 'short', timeStyle: 'short' }).format(opensAt);
    return { waitsFor: `disruptive: waits for window ${next.window.name} (next ${local} ${next.window.tz}, in ${Math.round((opensAt.getTime() - now.getTime()) / 60_000)} min)`, blocked: true };
  };
  return {
    workers: workers.rows.map((w) => ({ name: w.name, host: w.host, bench: w.bench, state: w.stopped ? 'stopped' : w.offline ? 'offline' : 'online', lastSeen: w.last_seen.toISOString() })),
    devices: shown,
    queue: queue.rows.map((q) => {
      const why = Number(q.waiting) > 0 ? waitsFor(q) : undefined;
      // An --each job's queue is its device's: named, with the selection it came from.
      const selection = !q.labels && q.devices?.length ? `${q.devices.join(', ')} (--each ${q.selection || 'of any device'})` : q.selection || '(any device)';
      return { queue: q.queue, selection, waiting: Number(q.waiting), running: Number(q.running), window: q.queue.endsWith('-w'), ...why };
    }),
  };
}

/** Every matching device is quarantined, in maintenance or offline: who, and why (the first three). */
function outOfService(devices: LabStatus['devices']): string {
  const named = devices.slice(0, 3).map((d) => `${d.id} ${d.state}${d.reason ? ` (${d.reason})` : ''}`);
  const more = devices.length > 3 ? `, and ${devices.length - 3} more` : '';
  return `no matching device can take it: ${named.join('; ')}${more}`;
}

export function formatStatus(status: LabStatus, database: string): string {
  const lines = [`lab database ${database}`, '', `workers (${status.workers.length})`];
  for (const w of status.workers) lines.push(`  ${w.name.padEnd(16)} ${w.state.padEnd(8)} ${w.host}  bench ${w.bench}  last seen ${w.lastSeen}`);
  lines.push('', `devices (${status.devices.length})`);
  for (const d of status.devices) {
    const labels = Object.entries(d.labels).filter(([k]) => !['name', 'transport', 'protocol'].includes(k)).map(([k, v]) => `${k}=${v}`).join(',');
    lines.push(`  ${d.id.padEnd(24)} ${d.state.padEnd(12)} ${(d.worker ?? '-').padEnd(12)} ${labels}${d.reason && d.state !== 'idle' ? `  — ${consoleText(d.reason)}` : ''}`);
  }
  lines.push('', 'queue');
  if (status.queue.length === 0) lines.push('  (empty)');
  for (const q of status.queue) lines.push(`  ${q.queue.padEnd(24)} ${String(q.waiting).padStart(4)} waiting ${String(q.running).padStart(3)} running  ${q.selection}${q.waitsFor ? `  — ${consoleText(q.waitsFor)}` : ''}`);
  return lines.join('\n') + '\n';
}

/** Why a device is offline: its worker stopped, or has been silent since when. */
function offlineReason(d: { worker: string | null; worker_stopped: Date | null; worker_seen: Date | null }): string {
  if (!d.worker) return 'no worker has registered it';
  if (d.worker_stopped) return `its worker ${d.worker} stopped at ${d.worker_stopped.toISOString()}`;
  return `its worker ${d.worker} has been silent since ${d.worker_seen?.toISOString() ?? 'it started'}`;
}
