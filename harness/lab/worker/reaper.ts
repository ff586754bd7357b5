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
    // lab.reap_expired runs with the owner's rights: the expired leases are other workers'.
    const { rows } = await client.query<{ job_id: string; queue: string }>('SELECT job_id, queue FROM lab.reap_expired($1)', [leaseTtlMs]);
    for (const lease of rows) await boss.fail(lease.queue, lease.job_id, { reason: 'lease expired: its worker stopped renewing it' }, { db: onClient(client) });
    return rows.length;
  });
}
