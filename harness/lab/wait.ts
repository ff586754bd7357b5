/**
 * `lab submit --wait`: follows a submission's jobs until each has ended, printing a line per job
 * as it ends, and gives the exit code a script can trust: the worst of the jobs'. A NOTIFY from
 * the worker that finished a job wakes it; a slow poll covers a missed one. While jobs wait, it
 * says so when no device could take them (every match quarantined, offline, or a window shut),
 * and again when that changes: a wait that may last until someone acts is not a silent one.
 */
import pg from 'pg';
import { DeviceError, ExitCode, errorMessage } from '../core/errors.js';
import { maskSecret } from './secrets.js';
import { labStatus } from './status.js';
import { DEFAULT_TIMINGS } from './worker/timings.js';

const ENDED = new Set(['passed', 'failed', 'error', 'dead', 'rejected', 'cancelled']);

export interface EndedJob {
  id: string;
  device: string | null;
  state: string;
  runId: string | null;
  outcome: string | null;
}

/** How often a waiting submission looks at why its jobs wait. */
const WHY_EVERY_MS = 5_000;

/**
 * How long `--wait` waits for a lab database that went away (restarted, failed over) before it
 * gives up with exit 3: the jobs go on meanwhile on their workers, which keep their results until
 * it is back, and a CI job must not read a passing campaign as a failure for a restart.
 */
export const DATABASE_OUTAGE_MS = 10 * 60_000;

export async function waitForSubmission(
  pool: pg.Pool,
  submissionId: string,
  say: (line: string) => void,
  options: { pollMs?: number; whyEveryMs?: number; outageMs?: number } = {},
): Promise<{ jobs: EndedJob[]; exitCode: number }> {
  const pollMs = options.pollMs ?? 1000;
  const whyEveryMs = options.whyEveryMs ?? WHY_EVERY_MS;
  const outageMs = options.outageMs ?? DATABASE_OUTAGE_MS;
  const gone = (error: unknown) =>
    new DeviceError('E_LAB_DATABASE', `lost the lab database while waiting for submission ${submissionId}: ${maskSecret(errorMessage(error))}`, {
      hint: 'its jobs go on wherever workers reach the database; poshil lab status shows them once it answers again',
    });
  let wake: () => void = () => {};
  // The server going away (restarted, stopped) is an error event on the listening client: unheard,
  // it would end the process with a stack trace and exit 1, which a script reads as a failed case.
  let listener: pg.PoolClient | undefined;
  let lost: Error | undefined;
  const listen = async () => {
    const client = await pool.connect();
    client.on('error', (error) => {
      lost = error;
      wake();
    });
    client.on('notification', () => wake());
    listener = client;
    await client.query('LISTEN poshil_job_done');
  };
  const told = new Set<string>();
  let why = '';
  let whyAt = performance.now();
  let downSince: number | undefined;
  try {
    for (;;) {
      try {
        if (lost) {
          // A client whose connection broke is thrown away, not handed back to the pool.
          listener?.release(lost);
          listener = undefined;
          lost = undefined;
        }
        if (!listener) await listen();
        const { rows } = await pool.query<{ id: string; queue: string; device: string | null; state: string; run_id: string | null; outcome: string | null; reason: string | null }>(
          `SELECT j.id, j.queue, coalesce(r.device_id, j.device_id) AS device, j.state, j.result_run_id AS run_id, r.outcome,
                  coalesce(r.summary->'error'->>'message', CASE WHEN r.summary->'plan'->>'met' = 'false' THEN 'plan ' || (r.summary->'plan'->>'id') || ' not met: ' || (r.summary#>>'{plan,reasons,0}') END) AS reason
             FROM lab.jobs j LEFT JOIN lab.runs r ON r.id = j.result_run_id WHERE j.submission_id = $1 ORDER BY j.created_at, j.id`,
          [submissionId],
        );
        if (downSince !== undefined) say('  the lab database answers again');
        downSince = undefined;
        for (const job of rows) {
          if (!ENDED.has(job.state) || told.has(job.id)) continue;
          told.add(job.id);
          say(`  ${job.state.toUpperCase().padEnd(9)} job ${job.id} on ${job.device ?? '(no device)'}${job.outcome ? ` — ${job.outcome}` : ''}${job.reason ? ` (${job.reason})` : ''}`);
        }
        if (rows.every((j) => ENDED.has(j.state))) {
          const jobs = rows.map((j) => ({ id: j.id, device: j.device, state: j.state, runId: j.run_id, outcome: j.outcome }));
          return { jobs, exitCode: worst(rows.map((j) => j.state)) };
        }
        const queued = new Set(rows.filter((j) => j.state === 'queued').map((j) => j.queue));
        if (queued.size > 0 && performance.now() - whyAt >= whyEveryMs) {
          whyAt = performance.now();
          const now = await whyWaiting(pool, queued).catch(() => why);
          if (now !== why && now) say(`  waiting: ${now}`);
          why = now;
        }
      } catch (error) {
        lost ??= error instanceof Error ? error : new Error(String(error));
        if (downSince === undefined) {
          downSince = performance.now();
          say(`  the lab database does not answer (${maskSecret(errorMessage(error))}); its jobs go on, waiting up to ${Math.round(outageMs / 1000)} s for it`);
        }
        if (performance.now() - downSince >= outageMs) throw gone(error);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    listener?.release(lost);
  }
}

/** Why jobs of these queues wait, when no device could take them now; '' when one could. */
async function whyWaiting(pool: pg.Pool, queues: ReadonlySet<string>): Promise<string> {
  const status = await labStatus(pool, DEFAULT_TIMINGS.heartbeatMs);
  return status.queue
    .filter((q) => queues.has(q.queue) && q.blocked)
    .map((q) => `${q.waiting} job(s) for ${q.selection}: ${q.waitsFor}`)
    .join('; ');
}

function worst(states: readonly string[]): number {
  if (states.some((s) => s === 'error' || s === 'dead')) return ExitCode.deviceError;
  if (states.some((s) => s === 'rejected')) return ExitCode.invalidInput;
  // Withdrawn by a person (poshil lab cancel): not tested, so no pass, as a Ctrl-C'd run.
  if (states.some((s) => s === 'cancelled')) return ExitCode.interrupted;
  if (states.some((s) => s === 'failed')) return ExitCode.caseFailed;
  return ExitCode.ok;
}
