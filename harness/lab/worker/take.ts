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
import { deviceQueue, onClient } from '../queues.js';

export interface TakenJob {
  jobId: string;
  queue: string;
  runId: string;
  leaseId: string;
  attempt: number;
  retryLimit: number;
}

/** The queues holding jobs now, each with the selection its devices must match, oldest waiting job first. */
export async function waitingQueues(pool: pg.Pool): Promise<{ name: string; labels: Record<string, string[]> | null }[]> {
  const { rows } = await pool.query<{ name: string; labels: Record<string, string[]> | null }>(
    `SELECT j.queue AS name, q.labels FROM lab.jobs j LEFT JOIN lab.queues q ON q.name = j.queue
      WHERE j.state = 'queued' GROUP BY j.queue, q.labels ORDER BY min(j.created_at)`,
  );
  return rows;
}

/** Of the waiting queues, those a device may take from: its own, and the selections its labels match. */
export function queuesFor(waiting: readonly { name: string; labels: Record<string, string[]> | null }[], device: { id: string; labels: Readonly<Record<string, string>> }): string[] {
  const own = new Set([deviceQueue(device.id), deviceQueue(device.id, true)]);
  return waiting
    .filter((q) => (q.labels ? matches(device.labels, asSelection(q.labels)) : own.has(q.name)))
    .map((q) => q.name);
}

export async function takeJob(pool: pg.Pool, boss: PgBoss, queue: string, deviceId: string, workerId: string, leaseTtlMs: number): Promise<TakenJob | 'device-held' | undefined> {
  try {
    return await inTransaction(pool, async (client) => {
      const [job] = await boss.fetch<{ jobId: string }>(queue, { batchSize: 1, includeMetadata: true, db: onClient(client) });
      if (!job) return undefined;
      const runId = randomUUID();
      const attempt = job.retryCount + 1;
      // Lease, run and job state in one statement: a taken job costs one round trip here.
      const lease = await client.query<{ id: string }>(
        `WITH lease AS (
           INSERT INTO lab.leases (device_id, job_id, worker_id, acquired_at, expires_at)
           VALUES ($1, $2, $3, clock_timestamp(), clock_timestamp() + $4 * interval '1 millisecond') RETURNING id),
         run AS (
           INSERT INTO lab.runs (id, job_id, attempt, lease_id, worker_id, device_id, state)
           SELECT $5, $2, $6, id, $3, $1, 'running' FROM lease),
         job AS (UPDATE lab.jobs SET state = 'running', started_at = now(), attempts = $6 WHERE id = $2)
         SELECT id FROM lease`,
        [deviceId, job.id, workerId, leaseTtlMs, runId, attempt],
      );
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
