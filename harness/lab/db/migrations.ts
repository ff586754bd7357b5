/**
 * The lab's own tables, in schema `lab`, created and upgraded by numbered migrations. Each runs
 * once, in its own transaction, under an advisory lock so that two hosts starting at once do not
 * both apply it. A migration is never edited once released: a change is a new one.
 */
import type pg from 'pg';
import { DeviceError } from '../../core/errors.js';

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
  {
    version: 4,
    name: 'roles: workers write only their own results, submitters queue, viewers read',
    sql: `
DO $roles$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'poshil_worker') THEN CREATE ROLE poshil_worker NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'poshil_submitter') THEN CREATE ROLE poshil_submitter NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'poshil_viewer') THEN CREATE ROLE poshil_viewer NOLOGIN; END IF;
END $roles$;
ALTER TABLE lab.workers ADD COLUMN db_role text NOT NULL DEFAULT current_user;
GRANT USAGE ON SCHEMA lab TO poshil_worker, poshil_submitter, poshil_viewer;
GRANT SELECT ON ALL TABLES IN SCHEMA lab TO poshil_worker, poshil_submitter, poshil_viewer;
-- Webhook URLs carry their secrets: only workers (which post to them) and the owner read them.
REVOKE SELECT ON lab.webhooks FROM poshil_submitter, poshil_viewer;
GRANT INSERT ON lab.bundles, lab.queues, lab.submissions, lab.jobs TO poshil_submitter;
-- Workers also submit: they turn schedule firings into submissions.
GRANT INSERT ON lab.bundles, lab.queues, lab.submissions, lab.schedule_firings TO poshil_worker;
GRANT INSERT, UPDATE ON lab.workers, lab.devices, lab.leases, lab.runs, lab.case_results, lab.artefacts, lab.run_artefacts, lab.jobs TO poshil_worker;
GRANT UPDATE (ended_notified_at) ON lab.submissions TO poshil_worker;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA lab TO poshil_worker;

-- A worker's results are its own: rows of runs, leases, case results and evidence links are
-- written only by the database role its worker registered with. Everyone may read them.
CREATE FUNCTION lab.own_workers() RETURNS SETOF uuid LANGUAGE sql STABLE
  AS 'SELECT id FROM lab.workers WHERE db_role = current_user';
ALTER TABLE lab.runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY runs_read ON lab.runs FOR SELECT USING (true);
CREATE POLICY runs_insert ON lab.runs FOR INSERT WITH CHECK (worker_id IN (SELECT lab.own_workers()));
CREATE POLICY runs_update ON lab.runs FOR UPDATE USING (worker_id IN (SELECT lab.own_workers()));
ALTER TABLE lab.leases ENABLE ROW LEVEL SECURITY;
CREATE POLICY leases_read ON lab.leases FOR SELECT USING (true);
CREATE POLICY leases_insert ON lab.leases FOR INSERT WITH CHECK (worker_id IN (SELECT lab.own_workers()));
CREATE POLICY leases_update ON lab.leases FOR UPDATE USING (worker_id IN (SELECT lab.own_workers()));
ALTER TABLE lab.case_results ENABLE ROW LEVEL SECURITY;
CREATE POLICY cases_read ON lab.case_results FOR SELECT USING (true);
CREATE POLICY cases_insert ON lab.case_results FOR INSERT WITH CHECK (run_id IN (SELECT id FROM lab.runs WHERE worker_id IN (SELECT lab.own_workers())));
ALTER TABLE lab.run_artefacts ENABLE ROW LEVEL SECURITY;
CREATE POLICY run_artefacts_read ON lab.run_artefacts FOR SELECT USING (true);
CREATE POLICY run_artefacts_insert ON lab.run_artefacts FOR INSERT WITH CHECK (run_id IN (SELECT id FROM lab.runs WHERE worker_id IN (SELECT lab.own_workers())));

-- pg-boss makes a table partition per queue, which only the owner may do: submitters and
-- workers ask this function, which makes only the lab's own queue names.
CREATE FUNCTION lab.ensure_queue(queue_name text, options json) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pgboss AS $fn$
BEGIN
  IF queue_name !~ '^((sel|dev|sched)-[0-9a-f]{16}(-w)?|lab-dead)$' THEN
    RAISE EXCEPTION 'not a lab queue name: %', queue_name;
  END IF;
  PERFORM pgboss.create_queue(queue_name, options);
END $fn$;
REVOKE ALL ON FUNCTION lab.ensure_queue(text, json) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION lab.ensure_queue(text, json) TO poshil_worker, poshil_submitter;

-- The reaper frees other workers' devices: it acts with the owner's rights, and only on leases
-- that expired (and not just after the server itself restarted).
CREATE FUNCTION lab.reap_expired(ttl_ms bigint) RETURNS TABLE (job_id uuid, queue text, retry boolean) LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, lab AS $fn$
DECLARE l record;
BEGIN
  FOR l IN SELECT le.id, le.job_id, j.queue, j.attempts, s.retries FROM lab.leases le JOIN lab.jobs j ON j.id = le.job_id JOIN lab.submissions s ON s.id = j.submission_id
            WHERE le.released_at IS NULL AND le.expires_at < now() AND now() - pg_postmaster_start_time() > ttl_ms * interval '1 millisecond'
            FOR UPDATE OF le SKIP LOCKED LOOP
    UPDATE lab.leases SET released_at = now(), release_reason = 'expired' WHERE id = l.id;
    UPDATE lab.runs SET state = 'crashed', ended_at = now() WHERE lease_id = l.id AND state = 'running';
    UPDATE lab.jobs SET state = CASE WHEN l.attempts <= l.retries THEN 'queued' ELSE 'error' END WHERE id = l.job_id AND state = 'running';
    job_id := l.job_id; queue := l.queue; retry := l.attempts <= l.retries;
    RETURN NEXT;
  END LOOP;
END $fn$;
REVOKE ALL ON FUNCTION lab.reap_expired(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION lab.reap_expired(bigint) TO poshil_worker;
`,
  },
  {
    version: 5,
    name: 'evidence files in 1 MiB chunks',
    sql: `
ALTER TABLE lab.artefacts ALTER COLUMN data DROP NOT NULL;
ALTER TABLE lab.artefacts ADD COLUMN chunks int NOT NULL DEFAULT 0;
CREATE TABLE lab.artefact_chunks (sha256 text NOT NULL REFERENCES lab.artefacts, n int NOT NULL, data bytea NOT NULL, PRIMARY KEY (sha256, n));
GRANT SELECT ON lab.artefact_chunks TO poshil_worker, poshil_submitter, poshil_viewer;
GRANT INSERT ON lab.artefact_chunks TO poshil_worker;
`,
  },
  {
    version: 6,
    name: 'queues created one at a time',
    // pgboss.create_queue inserts the queue row, then adds foreign keys to pgboss.queue: two
    // sessions creating one queue deadlock (the second holds a lock on pgboss.queue while waiting
    // for the first's row). Twelve submissions of one new selection at once hit it every time.
    sql: `
CREATE OR REPLACE FUNCTION lab.ensure_queue(queue_name text, options json) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pgboss AS $fn$
BEGIN
  IF queue_name !~ '^((sel|dev|sched)-[0-9a-f]{16}(-w)?|lab-dead)$' THEN
    RAISE EXCEPTION 'not a lab queue name: %', queue_name;
  END IF;
  IF EXISTS (SELECT 1 FROM pgboss.queue WHERE name = queue_name) THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('poshil.lab.ensure_queue'));
  PERFORM pgboss.create_queue(queue_name, options);
END $fn$;
`,
  },
  {
    version: 7,
    name: 'panel: tokens, the case a run is in, change notices',
    sql: `
-- Tokens of the browser panel: only their SHA-256 is kept; the token itself is shown once.
CREATE TABLE lab.panel_tokens (
  id text PRIMARY KEY, sha256 text UNIQUE NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  role text NOT NULL CHECK (role IN ('viewer','operator','admin')), name text NOT NULL DEFAULT '',
  created_by text NOT NULL DEFAULT current_user, created_at timestamptz NOT NULL DEFAULT now(), revoked_at timestamptz);
GRANT SELECT ON lab.panel_tokens TO poshil_viewer;
ALTER TABLE lab.runs ADD COLUMN current_case text;
-- What the panel shows of a case beside its outcome: its steps, the troubleshooting text, and the
-- transcript around its first failure.
ALTER TABLE lab.case_results ADD COLUMN detail jsonb NOT NULL DEFAULT '{}';
CREATE INDEX runs_running ON lab.runs (device_id) WHERE state = 'running';
CREATE INDEX runs_started ON lab.runs (started_at);
-- The panel follows the lab on one channel: which table changed, and the key of the row. A
-- heartbeat (last_seen, a lease's expiry) is no change worth a notice: the panel ages rows itself.
CREATE FUNCTION lab.panel_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  ignored text[] := TG_ARGV[1:];
BEGIN
  IF TG_OP = 'UPDATE' AND cardinality(ignored) > 0 AND (to_jsonb(OLD) - ignored) = (to_jsonb(NEW) - ignored) THEN
    RETURN NULL;
  END IF;
  PERFORM pg_notify('poshil_panel', json_build_object('table', TG_TABLE_NAME, 'key', to_jsonb(NEW) ->> TG_ARGV[0])::text);
  RETURN NULL;
END $fn$;
CREATE TRIGGER panel_notify AFTER INSERT OR UPDATE ON lab.workers FOR EACH ROW EXECUTE FUNCTION lab.panel_notify('id', 'last_seen', 'offline_notified_at');
CREATE TRIGGER panel_notify AFTER INSERT OR UPDATE ON lab.devices FOR EACH ROW EXECUTE FUNCTION lab.panel_notify('id', 'last_seen');
CREATE TRIGGER panel_notify AFTER INSERT OR UPDATE ON lab.leases FOR EACH ROW EXECUTE FUNCTION lab.panel_notify('device_id', 'expires_at');
CREATE TRIGGER panel_notify AFTER INSERT OR UPDATE ON lab.runs FOR EACH ROW EXECUTE FUNCTION lab.panel_notify('id');
CREATE TRIGGER panel_notify AFTER INSERT ON lab.case_results FOR EACH ROW EXECUTE FUNCTION lab.panel_notify('run_id');
-- Operator prompts of lab jobs: the worker asks, a person answers in the panel (or at the
-- worker's terminal), the worker's step goes on.
CREATE TABLE lab.prompts (
  id uuid PRIMARY KEY, run_id uuid NOT NULL REFERENCES lab.runs, device_id text NOT NULL REFERENCES lab.devices,
  worker_id uuid NOT NULL REFERENCES lab.workers, stimulus text NOT NULL, text text NOT NULL,
  asked_at timestamptz NOT NULL DEFAULT now(), deadline timestamptz NOT NULL,
  answer text CHECK (answer IN ('done','declined','expired')), note text, answered_by text,
  answered_via text CHECK (answered_via IN ('panel','terminal','timeout')), answered_at timestamptz);
CREATE INDEX prompts_open ON lab.prompts (device_id) WHERE answer IS NULL;
CREATE TRIGGER panel_notify AFTER INSERT OR UPDATE ON lab.prompts FOR EACH ROW EXECUTE FUNCTION lab.panel_notify('run_id');
-- Receipts as they print, for the panel's live view of a run (the first few hundred of a run; the
-- evidence has them all).
CREATE TABLE lab.receipts (
  run_id uuid NOT NULL REFERENCES lab.runs, n int NOT NULL, copy text NOT NULL, txn_id text, case_id text,
  text jsonb NOT NULL, printed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (run_id, n));
ALTER TABLE lab.receipts ENABLE ROW LEVEL SECURITY;
CREATE POLICY receipts_read ON lab.receipts FOR SELECT USING (true);
CREATE POLICY receipts_insert ON lab.receipts FOR INSERT WITH CHECK (run_id IN (SELECT id FROM lab.runs WHERE worker_id IN (SELECT lab.own_workers())));
GRANT SELECT ON lab.receipts TO poshil_worker, poshil_submitter, poshil_viewer;
GRANT INSERT ON lab.receipts TO poshil_worker;
CREATE TRIGGER panel_notify AFTER INSERT ON lab.receipts FOR EACH ROW EXECUTE FUNCTION lab.panel_notify('run_id');
-- Asked in the panel by an admin: the worker driving the device releases it at its next beat.
ALTER TABLE lab.devices ADD COLUMN release_requested_at timestamptz, ADD COLUMN release_requested_by text;
GRANT SELECT ON lab.prompts TO poshil_worker, poshil_submitter, poshil_viewer;
GRANT INSERT, UPDATE ON lab.prompts TO poshil_worker;
-- The panel's own database role: reads like a viewer, answers prompts, asks for releases.
DO $roles$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'poshil_panel') THEN CREATE ROLE poshil_panel NOLOGIN; END IF;
END $roles$;
GRANT poshil_viewer TO poshil_panel;
GRANT UPDATE (answer, note, answered_by, answered_via, answered_at) ON lab.prompts TO poshil_panel;
GRANT UPDATE (release_requested_at, release_requested_by) ON lab.devices TO poshil_panel;
`,
  },
  {
    version: 8,
    name: 'a finished run recorded in one call',
    // Was a dozen statements, a round trip each: with four workers on two cores the round trips,
    // not the work, were what a job cost the database. Runs with the caller's rights, so the
    // row-level policies of version 4 still keep each worker to its own rows.
    sql: `
CREATE FUNCTION lab.finish_run(run jsonb, cases jsonb, file_names text[], file_shas text[], file_sizes bigint[], file_data bytea[], OUT status text, OUT each boolean)
LANGUAGE plpgsql SET search_path = pg_catalog, lab AS $fn$
DECLARE
  the_run uuid := (run ->> 'runId')::uuid;
  the_job uuid := (run ->> 'jobId')::uuid;
  lease record;
BEGIN
  SELECT released_at, release_reason INTO lease FROM lab.leases WHERE id = (run ->> 'leaseId')::bigint FOR UPDATE;
  -- Released as finished: this upload ran before (its answer was lost at the commit).
  -- Released otherwise: the reaper took the lease away; the run is kept as late.
  status := CASE WHEN lease.released_at IS NULL THEN 'recorded' WHEN lease.release_reason = 'finished' THEN 'again' ELSE 'late' END;
  UPDATE lab.runs SET state = CASE WHEN status = 'late' THEN 'late' ELSE 'finished' END, outcome = run ->> 'outcome', exit_code = (run ->> 'exitCode')::int,
         firmware = run ->> 'firmware', model = run ->> 'model', site = run ->> 'site', labels = run -> 'labels',
         suites = ARRAY(SELECT jsonb_array_elements_text(run -> 'suites')), summary = run -> 'summary', ended_at = (run ->> 'endedAt')::timestamptz
   WHERE id = the_run;
  INSERT INTO lab.case_results (run_id, seq, suite, case_id, outcome, duration_ms, first_failure, measurements, detail)
    SELECT the_run, c.seq, c.suite, c."caseId", c.outcome, c."durationMs", c."firstFailure", c.measurements, coalesce(c.detail, '{}')
      FROM jsonb_to_recordset(cases) AS c(seq int, suite text, "caseId" text, outcome text, "durationMs" float8, "firstFailure" text, measurements jsonb, detail jsonb)
    ON CONFLICT DO NOTHING;
  -- Files without bytes here went up in chunks before.
  INSERT INTO lab.artefacts (sha256, size, data) SELECT f.sha, f.size, f.data FROM unnest(file_shas, file_sizes, file_data) AS f(sha, size, data) WHERE f.data IS NOT NULL ON CONFLICT DO NOTHING;
  INSERT INTO lab.run_artefacts (run_id, name, sha256) SELECT the_run, f.name, f.sha FROM unnest(file_names, file_shas) AS f(name, sha) ON CONFLICT DO NOTHING;
  SELECT s.mode = 'each' INTO each FROM lab.jobs j JOIN lab.submissions s ON s.id = j.submission_id WHERE j.id = the_job;
  IF status <> 'recorded' THEN
    RETURN;
  END IF;
  UPDATE lab.leases SET released_at = clock_timestamp(), release_reason = 'finished' WHERE id = (run ->> 'leaseId')::bigint;
  UPDATE lab.jobs SET state = run ->> 'jobState', finished_at = CASE WHEN run ->> 'jobState' = 'queued' THEN NULL ELSE now() END,
         result_run_id = CASE WHEN run ->> 'jobState' = 'queued' THEN NULL ELSE the_run END
   WHERE id = the_job;
  UPDATE lab.devices SET last_run_id = the_run, health = coalesce(run -> 'health' ->> 'state', health), health_reason = coalesce(run -> 'health' ->> 'reason', health_reason),
         identity = coalesce(run -> 'identity', identity), last_seen = now()
   WHERE id = run ->> 'deviceId';
  PERFORM pg_notify('poshil_job_done', the_job::text);
END $fn$;
REVOKE ALL ON FUNCTION lab.finish_run(jsonb, jsonb, text[], text[], bigint[], bytea[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION lab.finish_run(jsonb, jsonb, text[], text[], bigint[], bytea[]) TO poshil_worker;
`,
  },
  {
    version: 9,
    name: 'change notices only while a panel listens',
    // A notice wakes every session of the database that listens on any channel (each worker's,
    // each waiting submitter's), to be dropped by all but the panel's: with no panel open, the
    // lab's triggers paid that on every lease, run and case for nobody.
    sql: `
CREATE TABLE lab.panel_listeners (pid int PRIMARY KEY, since timestamptz NOT NULL DEFAULT now());
GRANT SELECT ON lab.panel_listeners TO poshil_worker, poshil_submitter, poshil_viewer;
-- A panel says it listens (or no longer does) for its own session; sessions that ended without
-- saying so are forgotten then.
CREATE FUNCTION lab.panel_listening(listening boolean) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, lab AS $fn$
BEGIN
  DELETE FROM lab.panel_listeners WHERE pid = pg_backend_pid() OR pid NOT IN (SELECT a.pid FROM pg_stat_activity a WHERE a.pid IS NOT NULL);
  IF listening THEN
    INSERT INTO lab.panel_listeners (pid) VALUES (pg_backend_pid());
  END IF;
END $fn$;
REVOKE ALL ON FUNCTION lab.panel_listening(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION lab.panel_listening(boolean) TO poshil_viewer;
CREATE OR REPLACE FUNCTION lab.panel_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  ignored text[] := TG_ARGV[1:];
BEGIN
  IF NOT EXISTS (SELECT 1 FROM lab.panel_listeners) THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND cardinality(ignored) > 0 AND (to_jsonb(OLD) - ignored) = (to_jsonb(NEW) - ignored) THEN
    RETURN NULL;
  END IF;
  PERFORM pg_notify('poshil_panel', json_build_object('table', TG_TABLE_NAME, 'key', to_jsonb(NEW) ->> TG_ARGV[0])::text);
  RETURN NULL;
END $fn$;
`,
  },
  {
    version: 10,
    name: 'each worker its own heartbeat',
    // A worker is silent after three of its own heartbeats, not of whoever looks: one started
    // with a longer heartbeat was called offline (and a webhook told) at every other beat.
    // Workers registered before this have none; the looker's default stands in for it.
    sql: `
ALTER TABLE lab.workers ADD COLUMN heartbeat_ms int CHECK (heartbeat_ms > 0);
`,
  },
  {
    version: 11,
    name: 'each case under the firmware it ran on',
    // A plan that upgrades the terminal runs its first cases on the old firmware and the rest on
    // the new; history grouped them all under the run's last firmware, so the old firmware's
    // results were counted for the new one. Rows from before keep the run's firmware (null here).
    sql: `
ALTER TABLE lab.case_results ADD COLUMN firmware text;
CREATE OR REPLACE FUNCTION lab.finish_run(run jsonb, cases jsonb, file_names text[], file_shas text[], file_sizes bigint[], file_data bytea[], OUT status text, OUT each boolean)
LANGUAGE plpgsql SET search_path = pg_catalog, lab AS $fn$
DECLARE
  the_run uuid := (run ->> 'runId')::uuid;
  the_job uuid := (run ->> 'jobId')::uuid;
  lease record;
BEGIN
  SELECT released_at, release_reason INTO lease FROM lab.leases WHERE id = (run ->> 'leaseId')::bigint FOR UPDATE;
  -- Released as finished: this upload ran before (its answer was lost at the commit).
  -- Released otherwise: the reaper took the lease away; the run is kept as late.
  status := CASE WHEN lease.released_at IS NULL THEN 'recorded' WHEN lease.release_reason = 'finished' THEN 'again' ELSE 'late' END;
  UPDATE lab.runs SET state = CASE WHEN status = 'late' THEN 'late' ELSE 'finished' END, outcome = run ->> 'outcome', exit_code = (run ->> 'exitCode')::int,
         firmware = run ->> 'firmware', model = run ->> 'model', site = run ->> 'site', labels = run -> 'labels',
         suites = ARRAY(SELECT jsonb_array_elements_text(run -> 'suites')), summary = run -> 'summary', ended_at = (run ->> 'endedAt')::timestamptz
   WHERE id = the_run;
  INSERT INTO lab.case_results (run_id, seq, suite, case_id, outcome, duration_ms, first_failure, measurements, detail, firmware)
    SELECT the_run, c.seq, c.suite, c."caseId", c.outcome, c."durationMs", c."firstFailure", c.measurements, coalesce(c.detail, '{}'), c.firmware
      FROM jsonb_to_recordset(cases) AS c(seq int, suite text, "caseId" text, outcome text, "durationMs" float8, "firstFailure" text, measurements jsonb, detail jsonb, firmware text)
    ON CONFLICT DO NOTHING;
  -- Files without bytes here went up in chunks before.
  INSERT INTO lab.artefacts (sha256, size, data) SELECT f.sha, f.size, f.data FROM unnest(file_shas, file_sizes, file_data) AS f(sha, size, data) WHERE f.data IS NOT NULL ON CONFLICT DO NOTHING;
  INSERT INTO lab.run_artefacts (run_id, name, sha256) SELECT the_run, f.name, f.sha FROM unnest(file_names, file_shas) AS f(name, sha) ON CONFLICT DO NOTHING;
  SELECT s.mode = 'each' INTO each FROM lab.jobs j JOIN lab.submissions s ON s.id = j.submission_id WHERE j.id = the_job;
  IF status <> 'recorded' THEN
    RETURN;
  END IF;
  UPDATE lab.leases SET released_at = clock_timestamp(), release_reason = 'finished' WHERE id = (run ->> 'leaseId')::bigint;
  UPDATE lab.jobs SET state = run ->> 'jobState', finished_at = CASE WHEN run ->> 'jobState' = 'queued' THEN NULL ELSE now() END,
         result_run_id = CASE WHEN run ->> 'jobState' = 'queued' THEN NULL ELSE the_run END
   WHERE id = the_job;
  UPDATE lab.devices SET last_run_id = the_run, health = coalesce(run -> 'health' ->> 'state', health), health_reason = coalesce(run -> 'health' ->> 'reason', health_reason),
         identity = coalesce(run -> 'identity', identity), last_seen = now()
   WHERE id = run ->> 'deviceId';
  PERFORM pg_notify('poshil_job_done', the_job::text);
END $fn$;
`,
  },
  {
    version: 12,
    name: 'a crashed run keeps what it ran',
    // A run's suites, firmware, model, site and labels were written by its upload alone, so a run
    // whose worker died showed none of them in the panel and counted under no firmware. The
    // reaper now fills them as it marks the run crashed: the suites (ids, as an upload writes them)
    // of the cases it got to record, the rest from the device (nothing more on a job's way in:
    // taking a job stays one statement).
    sql: `
CREATE OR REPLACE FUNCTION lab.reap_expired(ttl_ms bigint) RETURNS TABLE (job_id uuid, queue text, retry boolean) LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, lab AS $fn$
DECLARE l record;
BEGIN
  FOR l IN SELECT le.id, le.job_id, j.queue, j.attempts, s.retries FROM lab.leases le JOIN lab.jobs j ON j.id = le.job_id JOIN lab.submissions s ON s.id = j.submission_id
            WHERE le.released_at IS NULL AND le.expires_at < now() AND now() - pg_postmaster_start_time() > ttl_ms * interval '1 millisecond'
            FOR UPDATE OF le SKIP LOCKED LOOP
    UPDATE lab.leases SET released_at = now(), release_reason = 'expired' WHERE id = l.id;
    UPDATE lab.runs r SET state = 'crashed', ended_at = now(),
           suites = CASE WHEN cardinality(r.suites) = 0 THEN coalesce((SELECT array_agg(DISTINCT c.suite ORDER BY c.suite) FROM lab.case_results c WHERE c.run_id = r.id), '{}') ELSE r.suites END,
           firmware = coalesce(r.firmware, d.identity ->> 'firmware', d.labels ->> 'firmware'),
           model = coalesce(r.model, d.identity ->> 'model', d.labels ->> 'model'),
           site = coalesce(r.site, d.labels ->> 'site'),
           labels = CASE WHEN r.labels = '{}'::jsonb THEN d.labels ELSE r.labels END
      FROM lab.devices d
     WHERE r.lease_id = l.id AND r.state = 'running' AND d.id = r.device_id;
    UPDATE lab.jobs SET state = CASE WHEN l.attempts <= l.retries THEN 'queued' ELSE 'error' END WHERE id = l.job_id AND state = 'running';
    job_id := l.job_id; queue := l.queue; retry := l.attempts <= l.retries;
    RETURN NEXT;
  END LOOP;
END $fn$;
`,
  },
  {
    version: 13,
    name: 'a device taken off its bench',
    // A device deleted from a bench file stayed registered, shown offline and selectable, for
    // ever. Its row stays (its runs and leases name it); the worker that served it marks it removed.
    sql: `ALTER TABLE lab.devices ADD COLUMN removed_at timestamptz;`,
  },
  {
    version: 14,
    name: 'cancelling queued jobs',
    // A campaign queued by mistake (the wrong firmware, a disruptive plan waiting for tonight's
    // window) could not be withdrawn. A queued job is cancelled in lab.jobs and in pg-boss at once.
    sql: `
ALTER TABLE lab.jobs DROP CONSTRAINT jobs_state_check;
ALTER TABLE lab.jobs ADD CONSTRAINT jobs_state_check CHECK (state IN ('queued','running','passed','failed','error','dead','rejected','cancelled'));
-- Jobs named by their id or their submission's. A role cancels what it submitted; the owner of
-- the lab's schema anything. Running and ended jobs are listed, untouched.
CREATE FUNCTION lab.cancel_jobs(wanted uuid[])
  RETURNS TABLE (job uuid, submission uuid, device text, job_state text, submitted_by text, cancelled boolean)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $fn$
DECLARE
  admin boolean := pg_has_role(session_user, (SELECT nspowner FROM pg_namespace WHERE nspname = 'lab'), 'MEMBER');
BEGIN
  -- pg-boss's rows first, in the order a worker taking a job locks them (its fetch, then
  -- lab.jobs): a job being taken is waited for, and then found running, never deadlocked on.
  PERFORM 1 FROM pgboss.job b JOIN lab.jobs j ON j.id = b.id AND j.queue = b.name
    WHERE j.id = ANY(wanted) OR j.submission_id = ANY(wanted) ORDER BY b.id FOR UPDATE OF b;
  RETURN QUERY
  WITH mine AS (
    SELECT j.id FROM lab.jobs j JOIN lab.submissions s ON s.id = j.submission_id
     WHERE (j.id = ANY(wanted) OR j.submission_id = ANY(wanted)) AND (admin OR s.created_by = session_user)),
  done AS (
    UPDATE lab.jobs j SET state = 'cancelled', finished_at = now() FROM mine
     WHERE j.id = mine.id AND j.state = 'queued' RETURNING j.id, j.queue),
  queue AS (
    -- Waiting for a device (created) or for its next attempt (retry): pg-boss's own cancel takes
    -- every state before completed, and so does this one. A job that a worker is handing back for a
    -- retry at this very moment still reads running here: it is listed as running and tried again.
    UPDATE pgboss.job b SET state = 'cancelled', completed_on = now() FROM done
     WHERE b.id = done.id AND b.name = done.queue AND b.state < 'completed')
  SELECT j.id, j.submission_id, coalesce(r.device_id, j.device_id), CASE WHEN d.id IS NULL THEN j.state ELSE 'cancelled' END, s.created_by, d.id IS NOT NULL
    FROM lab.jobs j JOIN lab.submissions s ON s.id = j.submission_id LEFT JOIN done d ON d.id = j.id
    LEFT JOIN LATERAL (SELECT lr.device_id FROM lab.runs lr WHERE lr.job_id = j.id ORDER BY lr.attempt DESC LIMIT 1) r ON true
   WHERE j.id = ANY(wanted) OR j.submission_id = ANY(wanted) ORDER BY j.created_at, j.id;
END $fn$;
REVOKE ALL ON FUNCTION lab.cancel_jobs(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION lab.cancel_jobs(uuid[]) TO poshil_submitter;
`,
  },
  {
    version: 15,
    name: 'campaigns ended by cancelling',
    // A worker's reaper tells the end of an --each campaign whose last jobs `lab cancel` withdrew,
    // found from the recently cancelled jobs. Campaigns that ended before are marked told: a lab
    // upgraded to this version is not sent months-old news.
    sql: `
CREATE INDEX jobs_cancelled ON lab.jobs (finished_at) WHERE state = 'cancelled';
UPDATE lab.submissions s SET ended_notified_at = now()
 WHERE s.mode = 'each' AND s.ended_notified_at IS NULL
   AND NOT EXISTS (SELECT 1 FROM lab.jobs j WHERE j.submission_id = s.id AND j.state IN ('queued', 'running'));
`,
  },
  {
    version: 16,
    name: 'a worker cannot pass for another',
    // A worker's role could write its own name into another worker's row (db_role) and so own
    // that worker's runs, or overwrite a stored file that many runs share by its hash. A worker
    // now keeps up to date only its liveness columns, inserts rows in its own name, and never
    // changes a stored file.
    sql: `
REVOKE UPDATE ON lab.workers, lab.artefacts FROM poshil_worker;
GRANT UPDATE (last_seen, offline_notified_at, stopped_at) ON lab.workers TO poshil_worker;
ALTER TABLE lab.workers ENABLE ROW LEVEL SECURITY;
CREATE POLICY workers_read ON lab.workers FOR SELECT USING (true);
CREATE POLICY workers_insert ON lab.workers FOR INSERT WITH CHECK (db_role = current_user);
-- Any worker marks another offline (the offline sweep); the columns it may set are the grant's.
CREATE POLICY workers_update ON lab.workers FOR UPDATE USING (true);
`,
  },
];

/**
 * What the lab's roles may do in pg-boss's schema, granted again on every `lab up` (pg-boss
 * makes its schema after the lab's migrations, and an upgrade of it may add tables).
 */
export const QUEUE_GRANTS = `
GRANT USAGE ON SCHEMA pgboss TO poshil_worker, poshil_submitter, poshil_viewer;
GRANT SELECT ON ALL TABLES IN SCHEMA pgboss TO poshil_worker, poshil_submitter, poshil_viewer;
GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA pgboss TO poshil_worker;
GRANT INSERT ON ALL TABLES IN SCHEMA pgboss TO poshil_submitter;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pgboss TO poshil_worker, poshil_submitter;
`;

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

/** Exit 3 when the lab's schema is older (or newer) than this poshil: say which command brings it up to date. */
export async function checkSchemaVersion(pool: pg.Pool, shown: string): Promise<void> {
  const want = MIGRATIONS[MIGRATIONS.length - 1]!.version;
  let have = 0;
  try {
    have = (await pool.query<{ v: number | null }>('SELECT max(version) AS v FROM lab.schema_migrations')).rows[0]?.v ?? 0;
  } catch {
    // No lab schema at all.
  }
  if (have === want) return;
  const hint = have < want ? 'bring it up to date with `poshil lab up` (embedded) or `poshil lab migrate --database URL` as its owner' : 'upgrade poshil on this host to the version the lab runs';
  throw new DeviceError('E_LAB_SCHEMA', `the lab database ${shown} has schema version ${have}, this poshil needs ${want}`, { hint });
}
