/**
 * Scheduled submissions: pg-boss's cron fires (one firing per due minute across all workers, in
 * the schedule's time zone) into the schedule's own queue; a worker turns each firing into an
 * ordinary submission, keyed by schedule and minute so that it is queued once. A firing that no
 * worker saw (every host down at 07:30) is found afterwards and reported as missed.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import { InputError, errorMessage } from '../core/errors.js';
import { parseSelection } from '../bench/select.js';
import type { Bundle, BundleFile } from './bundle.js';
import { checkCron, missedFirings } from './calendar/index.js';
import { inTransaction, type LabDatabase } from './db/connect.js';
import type { LabEvent } from './notify/index.js';
import { canonicalSelection, ensureQueue } from './queues.js';
import { submit } from './submit.js';

export interface ScheduledSubmission {
  bundleSha256: string;
  plan?: string;
  suites: string[];
  disruptive: boolean;
  selection: string;
  mode: 'each' | 'any';
  retries: number;
}

export interface LabSchedule {
  name: string;
  queue: string;
  cron: string;
  tz: string;
  submission: ScheduledSubmission;
  createdAt: Date;
}

export function scheduleQueue(name: string): string {
  return `sched-${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}

export async function addSchedule(db: LabDatabase, boss: PgBoss, request: { name: string; cron: string; tz: string; bundle: Bundle; selection: string; mode: 'each' | 'any'; retries: number }): Promise<LabSchedule> {
  const problem = checkCron(request.cron, request.tz);
  if (problem) throw new InputError('E_LAB_SCHEDULE', `schedule ${request.name}: ${problem}`, { hint: "e.g. --cron '30 7 * * *' --tz Asia/Shanghai (minute hour day month weekday)" });
  const selection = parseSelection(request.selection);
  const queue = scheduleQueue(request.name);
  const submission: ScheduledSubmission = {
    bundleSha256: request.bundle.sha256,
    ...(request.bundle.plan ? { plan: request.bundle.plan } : {}),
    suites: request.bundle.suites,
    disruptive: request.bundle.disruptive,
    selection: canonicalSelection(selection),
    mode: request.mode,
    retries: request.retries,
  };
  await ensureQueue(db.pool, queue, { policy: 'short' });
  await db.pool.query('INSERT INTO lab.bundles (sha256, files) VALUES ($1, $2) ON CONFLICT DO NOTHING', [request.bundle.sha256, JSON.stringify(request.bundle.files)]);
  await db.pool.query(
    `INSERT INTO lab.schedules (name, queue, cron, tz, submission) VALUES ($1,$2,$3,$4,$5)
     ON CONFLICT (name) DO UPDATE SET cron = $3, tz = $4, submission = $5, created_at = now()`,
    [request.name, queue, request.cron, request.tz, JSON.stringify(submission)],
  );
  await boss.schedule(queue, request.cron, { schedule: request.name }, { tz: request.tz });
  return { name: request.name, queue, cron: request.cron, tz: request.tz, submission, createdAt: new Date() };
}

export async function removeSchedule(db: LabDatabase, boss: PgBoss, name: string): Promise<boolean> {
  const { rows } = await db.pool.query<{ queue: string }>('DELETE FROM lab.schedules WHERE name = $1 RETURNING queue', [name]);
  if (rows[0]) await boss.unschedule(rows[0].queue);
  return rows.length > 0;
}

export async function listSchedules(pool: pg.Pool): Promise<LabSchedule[]> {
  const { rows } = await pool.query<{ name: string; queue: string; cron: string; tz: string; submission: ScheduledSubmission; created_at: Date }>('SELECT name, queue, cron, tz, submission, created_at FROM lab.schedules ORDER BY name');
  return rows.map((r) => ({ name: r.name, queue: r.queue, cron: r.cron, tz: r.tz, submission: r.submission, createdAt: r.created_at }));
}

export interface Firing {
  /** The minute it fired for. */
  at: string;
  /** Its submission's jobs by state (`passed: 2`); none when the firing could not be queued. */
  jobs: Record<string, number> | null;
}

/** Each schedule's last `count` firings, newest first, with how their jobs stand. */
export async function lastFirings(pool: pg.Pool, count = 3): Promise<Map<string, Firing[]>> {
  const { rows } = await pool.query<{ schedule: string; at: Date; jobs: Record<string, number> | null }>(
    `SELECT f.schedule, f.fire_at AS at,
            (SELECT json_object_agg(t.state, t.n) FROM (SELECT j.state, count(*) AS n FROM lab.jobs j WHERE j.submission_id = f.submission_id GROUP BY 1) t) AS jobs
       FROM (SELECT *, row_number() OVER (PARTITION BY schedule ORDER BY fire_at DESC) AS k FROM lab.schedule_firings) f
      WHERE f.k <= $1 ORDER BY f.schedule, f.fire_at DESC`,
    [count],
  );
  const firings = new Map<string, Firing[]>();
  for (const r of rows) firings.set(r.schedule, [...(firings.get(r.schedule) ?? []), { at: r.at.toISOString(), jobs: r.jobs }]);
  return firings;
}

/** Takes pg-boss's firings of every schedule and queues their submissions; returns how many. */
export async function takeFirings(db: LabDatabase, boss: PgBoss, log: (line: string) => void, notify: (event: LabEvent) => void): Promise<number> {
  let fired = 0;
  for (const schedule of await listSchedules(db.pool)) {
    const jobs = await boss.fetch<{ schedule: string }>(schedule.queue, { batchSize: 10, includeMetadata: true });
    for (const job of jobs) {
      const minute = new Date(Math.floor(job.createdOn.getTime() / 60_000) * 60_000);
      try {
        const bundle = await storedBundle(db.pool, schedule.submission);
        const submitted = await submit(db, boss, { bundle, selection: schedule.submission.selection, mode: schedule.submission.mode, retries: schedule.submission.retries, key: `schedule:${schedule.name}:${minute.toISOString()}`, schedule: schedule.name });
        await db.pool.query('INSERT INTO lab.schedule_firings (schedule, fire_at, submission_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [schedule.name, minute, submitted.id]);
        if (!submitted.existing) log(`schedule ${schedule.name}: fired for ${minute.toISOString()}, ${submitted.jobs.length} job(s) queued`);
        fired++;
      } catch (error) {
        // The firing happened but could not be queued (no device matches any more): a person must know.
        log(`schedule ${schedule.name}: its firing for ${minute.toISOString()} could not be queued: ${errorMessage(error)}`);
        await db.pool.query('INSERT INTO lab.schedule_firings (schedule, fire_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [schedule.name, minute]);
        notify({ kind: 'schedule-missed', schedule: schedule.name, fireTime: minute.toISOString(), tz: schedule.tz });
      }
      await boss.complete(schedule.queue, job.id);
    }
  }
  return fired;
}

/**
 * Firings that were due more than `graceMs` ago (within the last day) and never queued; each is
 * recorded and reported once. One worker at a time checks, under an advisory lock.
 */
export async function checkMissed(pool: pg.Pool, graceMs: number, now: Date, notify: (event: LabEvent) => void): Promise<number> {
  return inTransaction(pool, async (client) => {
    const { rows: lock } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', ['poshil.missed-firings']);
    if (!lock[0]?.ok) return 0;
    const { rows } = await client.query<{ name: string; cron: string; tz: string; created_at: Date; fired: Date[] | null }>(
      `SELECT s.name, s.cron, s.tz, s.created_at, array_agg(f.fire_at) FILTER (WHERE f.fire_at IS NOT NULL) AS fired
         FROM lab.schedules s LEFT JOIN lab.schedule_firings f ON f.schedule = s.name AND f.fire_at > now() - interval '2 days' GROUP BY s.name`,
    );
    let missed = 0;
    for (const s of rows) {
      const from = new Date(Math.max(s.created_at.getTime(), now.getTime() - 86_400_000));
      for (const at of missedFirings({ cron: s.cron, tz: s.tz }, from, now, s.fired ?? [], graceMs)) {
        const inserted = await client.query('INSERT INTO lab.schedule_firings (schedule, fire_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [s.name, at]);
        if (inserted.rowCount) {
          missed++;
          notify({ kind: 'schedule-missed', schedule: s.name, fireTime: at.toISOString(), tz: s.tz });
        }
      }
    }
    return missed;
  });
}

async function storedBundle(pool: pg.Pool, submission: ScheduledSubmission): Promise<Bundle> {
  const { rows } = await pool.query<{ files: BundleFile[] }>('SELECT files FROM lab.bundles WHERE sha256 = $1', [submission.bundleSha256]);
  if (!rows[0]) throw new InputError('E_LAB_BUNDLE', `the schedule's files (${submission.bundleSha256.slice(0, 12)}…) are no longer in the lab`);
  return { sha256: submission.bundleSha256, files: rows[0].files, ...(submission.plan ? { plan: submission.plan } : {}), suites: submission.suites, disruptive: submission.disruptive };
}
