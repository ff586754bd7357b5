/**
 * The reaper frees devices whose worker stopped renewing its lease (killed, host down, cut off):
 * the lease is released, its run marked crashed (the case results it uploaded stay), and its job
 * failed in pg-boss, which retries it on any matching device or, out of retries, dead-letters it.
 * Every worker runs it; an advisory lock lets one act at a time. Right after the database itself
 * restarted, no lease is reaped until the workers have had a full lease time to renew.
 */
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { inTransaction } from '../db/connect.js';
import { onClient } from '../queues.js';

export async function reapExpiredLeases(pool: pg.Pool, boss: PgBoss, leaseTtlMs: number): Promise<number> {
  return inTransaction(pool, async (client) => {
    const { rows: lock } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', ['poshil.reaper']);
    if (!lock[0]?.ok) return 0;
    const { rows } = await client.query<{ id: string; job_id: string; queue: string; attempts: number; retry_limit: number }>(
      `SELECT l.id, l.job_id, j.queue, j.attempts, s.retries AS retry_limit
         FROM lab.leases l JOIN lab.jobs j ON j.id = l.job_id JOIN lab.submissions s ON s.id = j.submission_id
        WHERE l.released_at IS NULL AND l.expires_at < now()
          AND now() - pg_postmaster_start_time() > $1 * interval '1 millisecond'
        FOR UPDATE OF l SKIP LOCKED`,
      [leaseTtlMs],
    );
    for (const lease of rows) {
      await client.query("UPDATE lab.leases SET released_at = now(), release_reason = 'expired' WHERE id = $1", [lease.id]);
      await client.query("UPDATE lab.runs SET state = 'crashed', ended_at = now() WHERE lease_id = $1 AND state = 'running'", [lease.id]);
      await boss.fail(lease.queue, lease.job_id, { reason: 'lease expired: its worker stopped renewing it' }, { db: onClient(client) });
      await client.query("UPDATE lab.jobs SET state = $2 WHERE id = $1 AND state = 'running'", [lease.job_id, lease.attempts <= lease.retry_limit ? 'queued' : 'error']);
    }
    return rows.length;
  });
}
