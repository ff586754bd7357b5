/**
 * The lab's own tables, in schema `lab`, created and upgraded by numbered migrations. Each runs
 * once, in its own transaction, under an advisory lock so that two hosts starting at once do not
 * both apply it. A migration is never edited once released: a change is a new one.
 */
import type pg from 'pg';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'workers, devices, jobs, leases, runs, results, artefacts',
    sql: `
CREATE TABLE lab.workers (
  id uuid PRIMARY KEY, name text NOT NULL, host text NOT NULL, pid int NOT NULL, bench text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(), last_seen timestamptz NOT NULL DEFAULT now(), stopped_at timestamptz);
-- A device is known by its bench and name; the worker that last registered it drives it.
CREATE TABLE lab.devices (
  id text PRIMARY KEY, bench text NOT NULL, name text NOT NULL, worker_id uuid REFERENCES lab.workers,
  labels jsonb NOT NULL DEFAULT '{}', address text NOT NULL, identity jsonb, health text NOT NULL DEFAULT 'good',
  health_reason text NOT NULL DEFAULT '', last_seen timestamptz NOT NULL DEFAULT now(), last_run_id uuid);
-- Suite and plan files as submitted: a worker on another host runs exactly these.
CREATE TABLE lab.bundles (sha256 text PRIMARY KEY, files jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE lab.queues (name text PRIMARY KEY, selection text NOT NULL, labels jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE lab.submissions (
  id uuid PRIMARY KEY, submit_key text UNIQUE, mode text NOT NULL CHECK (mode IN ('each','any')), selection text NOT NULL,
  bundle_sha256 text NOT NULL REFERENCES lab.bundles, plan text, suites text[] NOT NULL, disruptive boolean NOT NULL DEFAULT false,
  retries int NOT NULL DEFAULT 1, schedule text, created_by text NOT NULL DEFAULT current_user, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE lab.jobs (
  id uuid PRIMARY KEY, submission_id uuid NOT NULL REFERENCES lab.submissions, queue text NOT NULL, device_id text REFERENCES lab.devices,
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued','running','passed','failed','error','dead','rejected')),
  created_at timestamptz NOT NULL DEFAULT now(), started_at timestamptz, finished_at timestamptz, result_run_id uuid, attempts int NOT NULL DEFAULT 0);
CREATE INDEX jobs_submission ON lab.jobs (submission_id);
-- At most one unreleased lease per device, whatever worker asks: the database is the referee.
-- An expired lease keeps blocking until the reaper has released it and failed its job.
CREATE TABLE lab.leases (
  id bigserial PRIMARY KEY, device_id text NOT NULL REFERENCES lab.devices, job_id uuid NOT NULL REFERENCES lab.jobs,
  worker_id uuid NOT NULL REFERENCES lab.workers, acquired_at timestamptz NOT NULL DEFAULT now(), expires_at timestamptz NOT NULL,
  released_at timestamptz, release_reason text);
CREATE UNIQUE INDEX leases_one_per_device ON lab.leases (device_id) WHERE released_at IS NULL;
CREATE TABLE lab.runs (
  id uuid PRIMARY KEY, job_id uuid NOT NULL REFERENCES lab.jobs, attempt int NOT NULL, lease_id bigint REFERENCES lab.leases,
  worker_id uuid NOT NULL REFERENCES lab.workers, device_id text NOT NULL REFERENCES lab.devices,
  state text NOT NULL CHECK (state IN ('running','finished','crashed','late')), outcome text, exit_code int,
  firmware text, model text, site text, labels jsonb NOT NULL DEFAULT '{}', suites text[] NOT NULL DEFAULT '{}',
  started_at timestamptz NOT NULL DEFAULT now(), ended_at timestamptz, summary jsonb, UNIQUE (job_id, attempt));
CREATE TABLE lab.case_results (
  run_id uuid NOT NULL REFERENCES lab.runs, seq int NOT NULL, suite text NOT NULL, case_id text NOT NULL, outcome text NOT NULL,
  duration_ms double precision NOT NULL, measurements jsonb NOT NULL DEFAULT '{}', first_failure text, ended_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, seq));
CREATE TABLE lab.artefacts (sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'), size bigint NOT NULL, data bytea NOT NULL);
CREATE TABLE lab.run_artefacts (run_id uuid NOT NULL REFERENCES lab.runs, name text NOT NULL, sha256 text NOT NULL REFERENCES lab.artefacts, PRIMARY KEY (run_id, name));
`,
  },
  {
    version: 2,
    name: 'maintenance windows, schedules, webhooks',
    sql: `
CREATE TABLE lab.windows (
  name text PRIMARY KEY, selection text NOT NULL, labels jsonb NOT NULL, cron text NOT NULL, tz text NOT NULL, duration_ms bigint NOT NULL CHECK (duration_ms > 0));
CREATE TABLE lab.schedules (
  name text PRIMARY KEY, queue text UNIQUE NOT NULL, cron text NOT NULL, tz text NOT NULL, submission jsonb NOT NULL,
  created_by text NOT NULL DEFAULT current_user, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE lab.schedule_firings (schedule text NOT NULL REFERENCES lab.schedules ON DELETE CASCADE, fire_at timestamptz NOT NULL,
  submission_id uuid, PRIMARY KEY (schedule, fire_at));
CREATE TABLE lab.webhooks (name text PRIMARY KEY, url text NOT NULL, format text NOT NULL, events text[], secret text);
`,
  },
  {
    version: 3,
    name: 'notifications said once: campaign ends, workers gone offline',
    sql: `
ALTER TABLE lab.submissions ADD COLUMN ended_notified_at timestamptz;
ALTER TABLE lab.workers ADD COLUMN offline_notified_at timestamptz;
`,
  },
];

/** Brings schema `lab` up to the newest migration; returns the versions it applied. */
export async function migrate(pool: pg.Pool): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', ['poshil.migrate']);
    await client.query('CREATE SCHEMA IF NOT EXISTS lab');
    await client.query('CREATE TABLE IF NOT EXISTS lab.schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM lab.schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO lab.schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      applied.push(migration.version);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', ['poshil.migrate']).catch(() => {});
    client.release();
  }
  return applied;
}
