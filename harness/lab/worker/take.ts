/**
 * Taking a job for one idle device, as one atomic step: pg-boss's fetch (SKIP LOCKED), the
 * device's lease and the run's row commit together or not at all. When another worker holds the
 * device, the lease's unique index refuses the insert, the transaction rolls back and the job
 * stays queued untouched (no retry used).
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { matches, type Selection } from '../../bench/select.js';
import { inTransaction } from '../db/connect.js';
import { deviceQueue, isWindowQueue, onClient } from '../queues.js';

export interface TakenJob {
  jobId: string;
  queue: string;
  runId: string;
  leaseId: string;
  attempt: number;
  retryLimit: number;
}

/** The queues a device may take from, oldest waiting job first. */
export async function queuesFor(pool: pg.Pool, device: { id: string; labels: Readonly<Record<string, string>> }, windowOpen: boolean): Promise<string[]> {
  const { rows } = await pool.query<{ name: string; labels: Record<string, string[]> }>('SELECT name, labels FROM lab.queues');
  const own = [deviceQueue(device.id), deviceQueue(device.id, true)];
  const candidates = [...own, ...rows.filter((q) => matches(device.labels, asSelection(q.labels))).map((q) => q.name)].filter((q) => windowOpen || !isWindowQueue(q));
  const waiting = await pool.query<{ queue: string }>(
    "SELECT queue FROM lab.jobs WHERE state = 'queued' AND queue = ANY($1) GROUP BY queue ORDER BY min(created_at)",
    [candidates],
  );
  return waiting.rows.map((r) => r.queue);
}

export async function takeJob(pool: pg.Pool, boss: PgBoss, queue: string, deviceId: string, workerId: string, leaseTtlMs: number): Promise<TakenJob | 'device-held' | undefined> {
  try {
    return await inTransaction(pool, async (client) => {
      const [job] = await boss.fetch<{ jobId: string }>(queue, { batchSize: 1, includeMetadata: true, db: onClient(client) });
      if (!job) return undefined;
      const lease = await client.query<{ id: string }>(
        "INSERT INTO lab.leases (device_id, job_id, worker_id, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond') RETURNING id",
        [deviceId, job.id, workerId, leaseTtlMs],
      );
      const runId = randomUUID();
      const attempt = job.retryCount + 1;
      await client.query('INSERT INTO lab.runs (id, job_id, attempt, lease_id, worker_id, device_id, state) VALUES ($1,$2,$3,$4,$5,$6,$7)', [runId, job.id, attempt, lease.rows[0]!.id, workerId, deviceId, 'running']);
      await client.query("UPDATE lab.jobs SET state = 'running', started_at = now(), attempts = $2 WHERE id = $1", [job.id, attempt]);
      return { jobId: job.id, queue, runId, leaseId: String(lease.rows[0]!.id), attempt, retryLimit: job.retryLimit };
    });
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return 'device-held';
    throw error;
  }
}

function asSelection(labels: Record<string, string[]>): Selection {
  return { terms: new Map(Object.entries(labels)), text: '' };
}
