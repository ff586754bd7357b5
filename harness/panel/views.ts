/**
 * What the panel shows, read from the lab database: the bench (workers, devices and what each is
 * doing), the recent runs, and one run with its cases and files. The same JSON goes to the page
 * over the websocket and to scripts through `/api`.
 */
import type pg from 'pg';
import { labStatus, type LabStatus } from '../lab/status.js';
import type { CaseDetail } from '../lab/worker/case-row.js';

export type DeviceView = LabStatus['devices'][number] & {
  identity?: { model?: string; serialNumber?: string; firmware?: string };
  /** The run the device is in now, if any. */
  run?: { id: string; jobId: string; suites: string[]; currentCase?: string; startedAt: string; casesDone: number; casesFailed: number };
  last?: { runId: string; outcome: string | null; endedAt: string | null };
};

export interface PromptView {
  id: string;
  runId: string;
  deviceId: string;
  device: string;
  stimulus: string;
  text: string;
  askedAt: string;
  deadline: string;
  answer: string | null;
  note: string | null;
  answeredBy: string | null;
  answeredVia: string | null;
  answeredAt: string | null;
}

export interface BenchView {
  at: string;
  workers: LabStatus['workers'];
  devices: DeviceView[];
  queue: LabStatus['queue'];
  /** Prompts waiting for a person, oldest first. */
  prompts: PromptView[];
}

export interface RunSummaryView {
  id: string;
  jobId: string;
  submissionId: string;
  attempt: number;
  device: string;
  deviceId: string;
  worker: string;
  state: string;
  outcome: string | null;
  firmware: string | null;
  model: string | null;
  suites: string[];
  currentCase: string | null;
  startedAt: string;
  endedAt: string | null;
  cases: number;
  failed: number;
}

export interface CaseView {
  seq: number;
  suite: string;
  caseId: string;
  outcome: string;
  durationMs: number;
  firstFailure: string | null;
  measurements: Record<string, number>;
  detail: CaseDetail;
}

export interface ReceiptView {
  n: number;
  copy: string;
  txnId: string | null;
  caseId: string | null;
  text: string[];
}

export interface RunView extends RunSummaryView {
  summary: unknown;
  prompts: PromptView[];
  /** The latest receipts, as they printed (masked). */
  receipts: ReceiptView[];
  caseRows: CaseView[];
  files: { name: string; size: number }[];
}

export async function benchView(pool: pg.Pool, heartbeatMs: number): Promise<BenchView> {
  const status = await labStatus(pool, heartbeatMs);
  const { rows } = await pool.query<{
    id: string;
    identity: DeviceView['identity'] | null;
    run_id: string | null;
    job_id: string | null;
    suites: string[] | null;
    current_case: string | null;
    started_at: Date | null;
    done: string | null;
    failed: string | null;
    last_run: string | null;
    last_outcome: string | null;
    last_ended: Date | null;
  }>(
    `SELECT d.id, d.identity, r.id AS run_id, r.job_id, r.suites, r.current_case, r.started_at, c.done, c.failed,
            lr.id AS last_run, lr.outcome AS last_outcome, lr.ended_at AS last_ended
       FROM lab.devices d
       LEFT JOIN LATERAL (SELECT * FROM lab.runs WHERE device_id = d.id AND state = 'running' ORDER BY started_at DESC LIMIT 1) r ON true
       LEFT JOIN LATERAL (SELECT count(*) AS done, count(*) FILTER (WHERE outcome NOT IN ('PASS', 'SKIPPED')) AS failed FROM lab.case_results WHERE run_id = r.id) c ON true
       LEFT JOIN lab.runs lr ON lr.id = d.last_run_id`,
  );
  const open = await prompts(pool, 'p.answer IS NULL', []);
  const extra = new Map(rows.map((r) => [r.id, r]));
  return {
    at: new Date().toISOString(),
    workers: status.workers,
    queue: status.queue,
    prompts: open,
    devices: status.devices.map((device) => {
      const row = extra.get(device.id);
      return {
        ...device,
        ...(row?.identity ? { identity: row.identity } : {}),
        ...(row?.run_id
          ? {
              run: {
                id: row.run_id,
                jobId: row.job_id!,
                suites: row.suites ?? [],
                ...(row.current_case ? { currentCase: row.current_case } : {}),
                startedAt: row.started_at!.toISOString(),
                casesDone: Number(row.done ?? 0),
                casesFailed: Number(row.failed ?? 0),
              },
            }
          : {}),
        ...(row?.last_run ? { last: { runId: row.last_run, outcome: row.last_outcome, endedAt: row.last_ended?.toISOString() ?? null } } : {}),
      };
    }),
  };
}

const RUN_COLUMNS = `r.id, r.job_id, (SELECT j.submission_id FROM lab.jobs j WHERE j.id = r.job_id) AS submission_id, r.attempt, d.name AS device, d.id AS device_id, w.name AS worker, r.state, r.outcome, r.firmware, r.model,
  r.suites, r.current_case, r.started_at, r.ended_at,
  (SELECT count(*) FROM lab.case_results c WHERE c.run_id = r.id) AS cases,
  (SELECT count(*) FROM lab.case_results c WHERE c.run_id = r.id AND c.outcome NOT IN ('PASS', 'SKIPPED')) AS failed`;

interface RunRow {
  id: string;
  job_id: string;
  submission_id: string;
  attempt: number;
  device: string;
  device_id: string;
  worker: string;
  state: string;
  outcome: string | null;
  firmware: string | null;
  model: string | null;
  suites: string[];
  current_case: string | null;
  started_at: Date;
  ended_at: Date | null;
  cases: string;
  failed: string;
}

function runSummary(r: RunRow): RunSummaryView {
  return {
    id: r.id,
    jobId: r.job_id,
    submissionId: r.submission_id,
    attempt: r.attempt,
    device: r.device,
    deviceId: r.device_id,
    worker: r.worker,
    state: r.state,
    outcome: r.outcome,
    firmware: r.firmware,
    model: r.model,
    suites: r.suites,
    currentCase: r.state === 'running' ? r.current_case : null,
    startedAt: r.started_at.toISOString(),
    endedAt: r.ended_at?.toISOString() ?? null,
    cases: Number(r.cases),
    failed: Number(r.failed),
  };
}

/** The runs behind a point of a history chart: one firmware (model, suite, site) in one time span. */
export interface RunFilter {
  by: 'firmware' | 'model' | 'suite' | 'site';
  value: string;
  from: Date;
  to: Date;
}

// A run that upgraded the terminal ran cases under both versions; history counts each under its own.
const FILTER_COLUMNS: Record<RunFilter['by'], string> = { firmware: '(r.firmware = $2 OR EXISTS (SELECT 1 FROM lab.case_results c WHERE c.run_id = r.id AND c.firmware = $2))', model: 'r.model = $2', site: 'r.site = $2', suite: '$2 = ANY(r.suites)' };

export async function recentRuns(pool: pg.Pool, limit: number, filter?: RunFilter): Promise<RunSummaryView[]> {
  const where = filter ? `WHERE ${FILTER_COLUMNS[filter.by]} AND r.started_at >= $3 AND r.started_at < $4` : '';
  const { rows } = await pool.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM lab.runs r JOIN lab.devices d ON d.id = r.device_id JOIN lab.workers w ON w.id = r.worker_id ${where} ORDER BY r.started_at DESC LIMIT $1`,
    filter ? [limit, filter.value, filter.from, filter.to] : [limit],
  );
  return rows.map(runSummary);
}

/** The summaries of the runs that changed, in one query however many there are. */
export async function runSummaries(pool: pg.Pool, ids: readonly string[]): Promise<RunSummaryView[]> {
  const { rows } = await pool.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM lab.runs r JOIN lab.devices d ON d.id = r.device_id JOIN lab.workers w ON w.id = r.worker_id WHERE r.id = ANY($1::uuid[])`,
    [ids],
  );
  return rows.map(runSummary);
}

/** One run, or undefined when no run has that id (a malformed id is no run either). */
export async function runView(pool: pg.Pool, id: string): Promise<RunView | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const { rows } = await pool.query<RunRow & { summary: unknown }>(
    `SELECT ${RUN_COLUMNS}, r.summary FROM lab.runs r JOIN lab.devices d ON d.id = r.device_id JOIN lab.workers w ON w.id = r.worker_id WHERE r.id = $1`,
    [id],
  );
  const row = rows[0];
  if (!row) return undefined;
  const cases = await pool.query<{ seq: number; suite: string; case_id: string; outcome: string; duration_ms: number; first_failure: string | null; measurements: Record<string, number>; detail: CaseDetail }>(
    'SELECT seq, suite, case_id, outcome, duration_ms, first_failure, measurements, detail FROM lab.case_results WHERE run_id = $1 ORDER BY seq',
    [id],
  );
  const files = await pool.query<{ name: string; size: string }>('SELECT ra.name, a.size FROM lab.run_artefacts ra JOIN lab.artefacts a ON a.sha256 = ra.sha256 WHERE ra.run_id = $1 ORDER BY ra.name', [id]);
  return {
    ...runSummary(row),
    summary: row.summary,
    prompts: await prompts(pool, 'p.run_id = $1', [id]),
    receipts: (
      await pool.query<{ n: number; copy: string; txn_id: string | null; case_id: string | null; text: string[] }>('SELECT n, copy, txn_id, case_id, text FROM lab.receipts WHERE run_id = $1 ORDER BY n DESC LIMIT 20', [id])
    ).rows.map((r) => ({ n: r.n, copy: r.copy, txnId: r.txn_id, caseId: r.case_id, text: r.text })),
    caseRows: cases.rows.map((c) => ({ seq: c.seq, suite: c.suite, caseId: c.case_id, outcome: c.outcome, durationMs: c.duration_ms, firstFailure: c.first_failure, measurements: c.measurements, detail: c.detail })),
    files: files.rows.map((f) => ({ name: f.name, size: Number(f.size) })),
  };
}

/** The stored bytes of one file of a run, by its name in the run folder. */
export async function runFile(pool: pg.Pool, runId: string, name: string): Promise<{ sha256: string } | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(runId)) return undefined;
  const { rows } = await pool.query<{ sha256: string }>('SELECT sha256 FROM lab.run_artefacts WHERE run_id = $1 AND name = $2', [runId, name]);
  return rows[0];
}

async function prompts(pool: pg.Pool, where: string, values: unknown[]): Promise<PromptView[]> {
  const { rows } = await pool.query<{
    id: string;
    run_id: string;
    device_id: string;
    device: string;
    stimulus: string;
    text: string;
    asked_at: Date;
    deadline: Date;
    answer: string | null;
    note: string | null;
    answered_by: string | null;
    answered_via: string | null;
    answered_at: Date | null;
  }>(`SELECT p.*, d.name AS device FROM lab.prompts p JOIN lab.devices d ON d.id = p.device_id WHERE ${where} ORDER BY p.asked_at LIMIT 200`, values);
  return rows.map((p) => ({
    id: p.id,
    runId: p.run_id,
    deviceId: p.device_id,
    device: p.device,
    stimulus: p.stimulus,
    text: p.text,
    askedAt: p.asked_at.toISOString(),
    deadline: p.deadline.toISOString(),
    answer: p.answer,
    note: p.note,
    answeredBy: p.answered_by,
    answeredVia: p.answered_via,
    answeredAt: p.answered_at?.toISOString() ?? null,
  }));
}
