/**
 * Uploading a finished run: its row, every case result, the evidence files (stored once per
 * SHA-256) and the job's ending, in one transaction. Every write is keyed (run id, case number,
 * hash, file name), so an upload repeated after a crash or a database outage records nothing
 * twice. A run whose lease the reaper took away (the worker was cut off too long) is kept as
 * `late` and leaves the job alone: another device has it by now.
 */
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { ExitCode } from '../../core/errors.js';
import { inTransaction } from '../db/connect.js';
import { onClient } from '../queues.js';
import type { CaseRow } from './case-row.js';
import { evidenceFiles, storeEvidence } from './evidence.js';

export interface FinishedRun {
  runId: string;
  jobId: string;
  deviceId: string;
  queue: string;
  leaseId: string;
  attempt: number;
  retryLimit: number;
  exitCode: number;
  outcome: string;
  identity?: { model?: string; serialNumber?: string; firmware?: string };
  /** The device's health on its host after the run. */
  health?: { state: string; reason: string };
  labels: Readonly<Record<string, string>>;
  suites: string[];
  summary: unknown;
  endedAt: string;
  cases: CaseRow[];
  /** The run's folder: every file in it is evidence. */
  folder?: string;
}

export async function insertCases(client: pg.Pool | pg.PoolClient, runId: string, cases: readonly CaseRow[]): Promise<void> {
  if (cases.length === 0) return;
  await client.query(
    `INSERT INTO lab.case_results (run_id, seq, suite, case_id, outcome, duration_ms, first_failure, measurements, detail)
     SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[], $8::jsonb[], $9::jsonb[]) ON CONFLICT DO NOTHING`,
    [
      runId,
      cases.map((c) => c.seq),
      cases.map((c) => c.suite),
      cases.map((c) => c.caseId),
      cases.map((c) => c.outcome),
      cases.map((c) => c.durationMs),
      cases.map((c) => c.firstFailure ?? null),
      cases.map((c) => JSON.stringify(c.measurements)),
      cases.map((c) => JSON.stringify(c.detail ?? {})),
    ],
  );
}

/** What the run's ending means for its job. */
export function jobEnding(exitCode: number): 'passed' | 'failed' | 'rejected' | 'retry' {
  if (exitCode === ExitCode.ok) return 'passed';
  if (exitCode === ExitCode.caseFailed) return 'failed';
  if (exitCode === ExitCode.invalidInput) return 'rejected';
  // The device failed, or the worker was stopped: another matching device may try it.
  return 'retry';
}

export async function uploadRun(pool: pg.Pool, boss: PgBoss, run: FinishedRun): Promise<'recorded' | 'late'> {
  const files = run.folder ? await evidenceFiles(run.folder) : [];
  return inTransaction(pool, async (client) => {
    const lease = await client.query<{ released_at: Date | null; release_reason: string | null }>('SELECT released_at, release_reason FROM lab.leases WHERE id = $1 FOR UPDATE', [run.leaseId]);
    const released = lease.rows[0]?.released_at != null;
    // Released as finished: this upload ran before (a crash came between commit and the outbox).
    const again = released && lease.rows[0]!.release_reason === 'finished';
    const late = released && !again;
    await client.query(
      `UPDATE lab.runs SET state = $2, outcome = $3, exit_code = $4, firmware = $5, model = $6, site = $7, labels = $8, suites = $9, summary = $10, ended_at = $11 WHERE id = $1`,
      [run.runId, late ? 'late' : 'finished', run.outcome, run.exitCode, run.identity?.firmware ?? run.labels['firmware'] ?? null, run.identity?.model ?? run.labels['model'] ?? null, run.labels['site'] ?? null, JSON.stringify(run.labels), run.suites, JSON.stringify(run.summary), run.endedAt],
    );
    await insertCases(client, run.runId, run.cases);
    if (files.length > 0) {
      await storeEvidence(client, files);
      await client.query('INSERT INTO lab.run_artefacts (run_id, name, sha256) SELECT $1, * FROM unnest($2::text[], $3::text[]) ON CONFLICT DO NOTHING', [run.runId, files.map((f) => f.name), files.map((f) => f.sha256)]);
    }
    if (late) return 'late';
    if (again) return 'recorded';
    await client.query("UPDATE lab.leases SET released_at = clock_timestamp(), release_reason = 'finished' WHERE id = $1 AND released_at IS NULL", [run.leaseId]);
    const ending = jobEnding(run.exitCode);
    if (ending === 'retry') {
      await boss.fail(run.queue, run.jobId, { reason: run.exitCode === ExitCode.interrupted ? 'worker stopped' : 'device error', exitCode: run.exitCode }, { db: onClient(client) });
      await client.query('UPDATE lab.jobs SET state = $2, finished_at = CASE WHEN $2 = \'error\' THEN now() END, result_run_id = CASE WHEN $2 = \'error\' THEN $3::uuid END WHERE id = $1', [run.jobId, run.attempt <= run.retryLimit ? 'queued' : 'error', run.runId]);
    } else {
      await boss.complete(run.queue, run.jobId, { runId: run.runId, exitCode: run.exitCode }, { db: onClient(client) });
      await client.query('UPDATE lab.jobs SET state = $2, finished_at = now(), result_run_id = $3 WHERE id = $1', [run.jobId, ending, run.runId]);
    }
    await client.query(
      'UPDATE lab.devices SET last_run_id = $2, health = coalesce($3, health), health_reason = coalesce($4, health_reason), identity = coalesce($5, identity), last_seen = now() WHERE id = $1',
      [run.deviceId, run.runId, run.health?.state ?? null, run.health?.reason ?? null, run.identity ? JSON.stringify(run.identity) : null],
    );
    await client.query("SELECT pg_notify('poshil_job_done', $1)", [run.jobId]);
    return 'recorded';
  });
}
