/**
 * Uploading a finished run: its row, every case result, the evidence files (stored once per
 * SHA-256) and the job's ending, in one transaction of four round trips (`lab.finish_run` does
 * the lab's part in one call; pg-boss ends the job). Every write is keyed (run id, case number,
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
import { evidenceColumns, evidenceFiles, storeLargeEvidence } from './evidence.js';

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
    `INSERT INTO lab.case_results (run_id, seq, suite, case_id, outcome, duration_ms, first_failure, measurements, detail, firmware)
     SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[], $8::jsonb[], $9::jsonb[], $10::text[]) ON CONFLICT DO NOTHING`,
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
      cases.map((c) => c.firmware ?? null),
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

export async function uploadRun(pool: pg.Pool, boss: PgBoss, run: FinishedRun): Promise<{ how: 'recorded' | 'late'; each: boolean }> {
  const files = run.folder ? await evidenceFiles(run.folder) : [];
  const ending = jobEnding(run.exitCode);
  const jobState = ending !== 'retry' ? ending : run.attempt <= run.retryLimit ? 'queued' : 'error';
  const row = {
    runId: run.runId,
    jobId: run.jobId,
    leaseId: run.leaseId,
    deviceId: run.deviceId,
    outcome: run.outcome,
    exitCode: run.exitCode,
    firmware: run.identity?.firmware ?? run.labels['firmware'] ?? null,
    model: run.identity?.model ?? run.labels['model'] ?? null,
    site: run.labels['site'] ?? null,
    labels: run.labels,
    suites: run.suites,
    summary: run.summary,
    endedAt: run.endedAt,
    jobState,
    ...(run.health ? { health: run.health } : {}),
    ...(run.identity ? { identity: run.identity } : {}),
  };
  return inTransaction(pool, async (client) => {
    await storeLargeEvidence(client, files);
    const { names, shas, sizes, data } = evidenceColumns(files);
    const { rows } = await client.query<{ status: 'recorded' | 'again' | 'late'; each: boolean | null }>('SELECT * FROM lab.finish_run($1, $2, $3, $4, $5, $6)', [
      JSON.stringify(row),
      JSON.stringify(run.cases),
      names,
      shas,
      sizes,
      data,
    ]);
    const { status, each } = rows[0]!;
    if (status === 'late') return { how: 'late', each: false };
    // Recorded before (the answer to an earlier upload was lost at its commit): its job was ended
    // then, but whoever tells of its end may not have.
    if (status === 'again') return { how: 'recorded', each: each === true };
    if (ending === 'retry') {
      await boss.fail(run.queue, run.jobId, { reason: run.exitCode === ExitCode.interrupted ? 'worker stopped' : 'device error', exitCode: run.exitCode }, { db: onClient(client) });
    } else {
      await boss.complete(run.queue, run.jobId, { runId: run.runId, exitCode: run.exitCode }, { db: onClient(client) });
    }
    return { how: 'recorded', each: each === true };
  });
}
