/**
 * A worker tells the lab who it is, how often it beats and which devices its bench has, and keeps
 * saying so: its heartbeat renews `last_seen` and the expiry of every lease it holds. A lease that
 * does not come back from the renewal was taken away by the reaper (the worker was cut off for too
 * long).
 */
import { hostname } from 'node:os';
import type pg from 'pg';
import type { Bench } from '../../bench/bench-file.js';
import type { DeviceHealth } from '../../bench/pool/health.js';

export function labDeviceId(bench: string, device: string): string {
  return `${bench}/${device}`;
}

/**
 * Registers the worker and its bench's devices. Returns the devices another online worker serves
 * too (two hosts that reach one terminal: the database gives each job to one of them), and those
 * its bench file no longer has, marked removed (kept for their runs' history).
 */
export async function registerWorker(pool: pg.Pool, worker: { id: string; name: string; heartbeatMs: number }, bench: Bench, health: (device: string) => DeviceHealth): Promise<{ shared: { device: string; worker: string }[]; removed: string[] }> {
  const { rows: shared } = await pool.query<{ device: string; worker: string }>(
    `SELECT d.name AS device, w.name AS worker FROM lab.devices d JOIN lab.workers w ON w.id = d.worker_id
      WHERE d.id = ANY($1) AND w.stopped_at IS NULL AND NOT (${silentSql('w', '$2')}) ORDER BY d.name`,
    [bench.devices.map((d) => labDeviceId(bench.name, d.name)), worker.heartbeatMs],
  );
  await pool.query('INSERT INTO lab.workers (id, name, host, pid, bench, heartbeat_ms) VALUES ($1, $2, $3, $4, $5, $6)', [worker.id, worker.name, hostname(), process.pid, bench.name, worker.heartbeatMs]);
  for (const device of bench.devices) {
    const state = health(device.name);
    await pool.query(
      `INSERT INTO lab.devices (id, bench, name, worker_id, labels, address, health, health_reason) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
       ON CONFLICT (id) DO UPDATE SET worker_id = $4, labels = $5, address = $6, health = $7, health_reason = $8, last_seen = now(), removed_at = NULL`,
      [labDeviceId(bench.name, device.name), bench.name, device.name, worker.id, JSON.stringify(device.labels), device.address, state.state, state.reason],
    );
  }
  // Devices this worker (by its name) served before and its bench file no longer lists.
  const { rows: removed } = await pool.query<{ name: string }>(
    `UPDATE lab.devices d SET removed_at = now() FROM lab.workers w
      WHERE w.id = d.worker_id AND w.name = $3 AND d.bench = $1 AND NOT (d.id = ANY($2)) AND d.removed_at IS NULL RETURNING d.name`,
    [bench.name, bench.devices.map((d) => labDeviceId(bench.name, d.name)), worker.name],
  );
  return { shared, removed: removed.map((r) => r.name).sort() };
}

/** Renews the worker and its leases; returns the ids of the leases it still holds. */
export async function heartbeat(pool: pg.Pool, workerId: string, leaseTtlMs: number, devices: readonly { id: string; health: DeviceHealth }[] = []): Promise<Set<string>> {
  await pool.query('UPDATE lab.workers SET last_seen = now(), offline_notified_at = NULL WHERE id = $1', [workerId]);
  // Health as the bench host has it now: `poshil bench release` there shows in lab status at the next beat.
  // A device this worker shares with another that stopped or went quiet is this worker's again:
  // lab status must not show it offline while it still takes jobs here.
  await pool.query(
    `UPDATE lab.devices d SET worker_id = $1, last_seen = now(), health = h.state, health_reason = h.reason
       FROM unnest($2::text[], $3::text[], $4::text[]) AS h(id, state, reason)
      WHERE d.id = h.id AND (d.worker_id = $1 OR EXISTS (SELECT 1 FROM lab.workers w WHERE w.id = d.worker_id AND (w.stopped_at IS NOT NULL OR ${silentSql('w', '10000')})))`,
    [workerId, devices.map((d) => d.id), devices.map((d) => d.health.state), devices.map((d) => d.health.reason)],
  );
  const { rows } = await pool.query<{ id: string }>(
    "UPDATE lab.leases SET expires_at = now() + $2 * interval '1 millisecond' WHERE worker_id = $1 AND released_at IS NULL RETURNING id",
    [workerId, leaseTtlMs],
  );
  return new Set(rows.map((r) => String(r.id)));
}

/**
 * SQL: whether the worker row `w` has been silent for three of its heartbeats (`$fallback` ms for
 * one registered without). Silence is counted from the server's start at the earliest: while the
 * database was down, no worker could reach it. A worker told offline before that start was gone
 * before the database went down, and stays offline.
 */
export function silentSql(w: string, fallback: string): string {
  return `(coalesce(${w}.offline_notified_at < pg_postmaster_start_time(), false) OR greatest(${w}.last_seen, pg_postmaster_start_time()) < now() - 3 * coalesce(${w}.heartbeat_ms, ${fallback}) * interval '1 millisecond')`;
}

export async function stopWorker(pool: pg.Pool, workerId: string): Promise<void> {
  await pool.query('UPDATE lab.workers SET stopped_at = now() WHERE id = $1', [workerId]);
}
