/**
 * What a worker tells people about (harness/lab/notify): a run that did not pass, a device its
 * bench put in quarantine, the end of an --each campaign, a worker gone quiet. Each event is
 * claimed in the database first, so that with many workers it is told once.
 */
import type pg from 'pg';
import type { LabEvent } from '../notify/index.js';
import { silentSql } from './registry.js';
import { jobEnding, type FinishedRun } from './upload.js';

/**
 * The run-failed event of a finished run that did not pass; undefined for a pass, and for an
 * attempt whose job is retried (people hear of the job's last attempt, not of each).
 */
export async function runFailedEvent(pool: pg.Pool, run: FinishedRun, device: string): Promise<LabEvent | undefined> {
  if (run.exitCode === 0) return undefined;
  if (jobEnding(run.exitCode) === 'retry' && run.attempt <= run.retryLimit) return undefined;
  const { rows } = await pool.query<{ plan: string | null; suites: string[]; schedule: string | null; tz: string | null }>(
    'SELECT s.plan, s.suites, s.schedule, sc.tz FROM lab.jobs j JOIN lab.submissions s ON s.id = j.submission_id LEFT JOIN lab.schedules sc ON sc.name = s.schedule WHERE j.id = $1',
    [run.jobId],
  );
  const row = rows[0];
  const failed = run.cases.find((c) => c.outcome !== 'PASS' && c.outcome !== 'SKIPPED');
  const counts = run.summary as { total?: number; passed?: number; failed?: number; errors?: number; timeouts?: number; skipped?: number; plan?: { id: string; met: boolean; reasons: string[] }; error?: { message?: string } };
  // Every case may pass and the plan still not be met (a firmware not the one it certifies).
  const why = failed ? `${failed.suite}/${failed.caseId}: ${failed.firstFailure ?? failed.outcome}` : counts.plan && !counts.plan.met ? `plan ${counts.plan.id} not met: ${counts.plan.reasons[0] ?? ''}` : counts.error?.message;
  return {
    kind: 'run-failed',
    jobId: run.jobId,
    device,
    ...(run.labels['site'] ? { site: run.labels['site'] } : {}),
    ...(row?.plan ? { plan: counts.plan?.id ?? row.plan } : { suite: run.suites.join(', ') || row?.suites.join(', ') || '(none)' }),
    counts: { total: counts.total ?? 0, passed: counts.passed ?? 0, failed: counts.failed ?? 0, errors: counts.errors ?? 0, timeouts: counts.timeouts ?? 0, skipped: counts.skipped ?? 0 },
    ...(why ? { firstFailure: why } : {}),
    ...(row?.schedule ? { schedule: row.schedule } : {}),
    ...(row?.tz ? { tz: row.tz } : {}),
    at: run.endedAt,
  };
}

/** When the job was the last open one of an --each campaign: its campaign-finished event (claimed once). */
export async function campaignEndEvent(pool: pg.Pool, jobId: string): Promise<LabEvent | undefined> {
  const { rows } = await pool.query<{ id: string; selection: string; plan: string | null; suites: string[] }>(
    `UPDATE lab.submissions s SET ended_notified_at = now()
      WHERE s.id = (SELECT submission_id FROM lab.jobs WHERE id = $1) AND s.mode = 'each' AND s.ended_notified_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM lab.jobs j WHERE j.submission_id = s.id AND j.state IN ('queued', 'running'))
      RETURNING s.id, s.selection, s.plan, s.suites`,
    [jobId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const jobs = await pool.query<{ device: string; state: string }>('SELECT coalesce(device_id, \'\') AS device, state FROM lab.jobs WHERE submission_id = $1 ORDER BY device_id', [row.id]);
  const count = (state: string) => jobs.rows.filter((j) => j.state === state).length;
  return {
    kind: 'campaign-finished',
    submissionId: row.id,
    selection: row.selection,
    devices: jobs.rows.map((j) => j.device),
    counts: { passed: count('passed'), failed: jobs.rows.length - count('passed') - count('cancelled'), ...(count('cancelled') ? { cancelled: count('cancelled') } : {}) },
    ...(row.plan ? { plan: row.plan } : { suite: row.suites.join(', ') }),
    at: new Date().toISOString(),
  };
}

/**
 * --each campaigns some of whose jobs ran and whose last open ones `lab cancel` withdrew: no
 * worker finished them, so the reaper's sweep tells their end (claimed once, as a finished job's is).
 */
export async function cancelledCampaignEvents(pool: pg.Pool): Promise<LabEvent[]> {
  // From the jobs cancelled in the last hour (an index of its own): not every campaign ever made.
  const { rows } = await pool.query<{ job: string }>(
    `SELECT DISTINCT ON (s.id) j.id AS job
       FROM lab.jobs j JOIN lab.submissions s ON s.id = j.submission_id
      WHERE j.state = 'cancelled' AND j.finished_at > now() - interval '1 hour'
        AND s.mode = 'each' AND s.ended_notified_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM lab.jobs o WHERE o.submission_id = s.id AND o.state IN ('queued', 'running'))
        -- Cancelled whole, it tells nobody anything new: the person who cancelled it knows.
        AND EXISTS (SELECT 1 FROM lab.jobs o WHERE o.submission_id = s.id AND o.state <> 'cancelled')`,
  );
  const events = await Promise.all(rows.map((r) => campaignEndEvent(pool, r.job)));
  return events.filter((e): e is LabEvent => e !== undefined);
}

/**
 * Workers silent for three of their own heartbeats (`fallbackHeartbeatMs` for one that did not say)
 * and not stopped on purpose, each reported once until it is back.
 */
export async function offlineWorkerEvents(pool: pg.Pool, fallbackHeartbeatMs: number): Promise<LabEvent[]> {
  const { rows } = await pool.query<{ name: string; last_seen: Date }>(
    `UPDATE lab.workers w SET offline_notified_at = now()
      WHERE stopped_at IS NULL AND offline_notified_at IS NULL AND ${silentSql('w', '$1')}
      RETURNING name, last_seen`,
    [fallbackHeartbeatMs],
  );
  return rows.map((r) => ({ kind: 'worker-offline', worker: r.name, lastSeen: r.last_seen.toISOString() }));
}
