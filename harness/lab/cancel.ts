/**
 * `poshil lab cancel`: withdraws queued jobs, named by their id or their submission's, before a
 * worker takes them. The database does it in one function (lab.cancel_jobs, migration 14), in
 * lab.jobs and pg-boss together, so a job is either taken or cancelled, never both. A running job
 * is not stopped: it ends on its own, and the command says so.
 */
import type pg from 'pg';
import { consoleText } from '../core/console-text.js';
import { ExitCode, InputError } from '../core/errors.js';

export interface CancelledJob {
  job: string;
  submission: string;
  device: string | null;
  /** After the call: `cancelled`, or the state that kept it from being cancelled. */
  state: string;
  submittedBy: string;
  cancelled: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Cancels what may be cancelled of the named jobs and submissions. Every id is checked first: one
 * that names no job refuses the whole call (exit 2), so a typo among several ids cancels nothing.
 */
export async function cancelJobs(pool: pg.Pool, ids: readonly string[]): Promise<CancelledJob[]> {
  const malformed = ids.filter((id) => !UUID.test(id));
  if (malformed.length > 0) throw new InputError('E_OPTION', `not a job or submission id: ${malformed.join(', ')}`, { hint: 'ids are UUIDs, as lab submit prints them (--json lists each job\'s)' });
  const { rows: known } = await pool.query<{ id: string }>(
    'SELECT id FROM lab.jobs WHERE id = ANY($1::uuid[]) UNION SELECT submission_id FROM lab.jobs WHERE submission_id = ANY($1::uuid[])',
    [ids],
  );
  const found = new Set(known.map((r) => r.id));
  const unknown = ids.filter((id) => !found.has(id.toLowerCase()));
  if (unknown.length > 0) throw new InputError('E_NOT_FOUND', `no job or submission ${unknown.join(', ')} in this lab; nothing was cancelled`, { hint: 'lab submit prints the submission id; lab status shows what is queued' });
  const { rows } = await pool.query<{ job: string; submission: string; device: string | null; job_state: string; submitted_by: string; cancelled: boolean }>(
    'SELECT * FROM lab.cancel_jobs($1::uuid[])',
    [ids],
  );
  // A `lab submit --wait` following these jobs hears of it at once, not at its next poll.
  for (const r of rows) if (r.cancelled) await pool.query("SELECT pg_notify('poshil_job_done', $1)", [r.job]);
  return rows.map((r) => ({ job: r.job, submission: r.submission, device: r.device, state: r.job_state, submittedBy: r.submitted_by, cancelled: r.cancelled }));
}

/** 0 when none of the jobs will run any more; 1 when some run on (they end on their own); 2 when some were not the caller's to cancel. */
export function cancelExitCode(jobs: readonly CancelledJob[]): number {
  if (jobs.some((j) => j.state === 'queued')) return ExitCode.invalidInput;
  if (jobs.some((j) => j.state === 'running')) return ExitCode.caseFailed;
  return ExitCode.ok;
}

export function formatCancelled(jobs: readonly CancelledJob[]): string {
  const lines = jobs.map((j) => {
    const what = `${j.state.toUpperCase().padEnd(9)} job ${j.job}${j.device ? ` on ${j.device}` : ''}`;
    if (j.cancelled) return what;
    if (j.state === 'queued') return `${what}: not cancelled, submitted by ${j.submittedBy} (a role cancels what it submitted; the lab's owner anything)`;
    if (j.state === 'running') return `${what}: not cancelled, a worker is running it and it ends on its own`;
    return `${what}: had ended`;
  });
  const cancelled = jobs.filter((j) => j.cancelled).length;
  return `${lines.map(consoleText).join('\n')}\ncancelled ${cancelled} of ${jobs.length} job(s)\n`;
}
