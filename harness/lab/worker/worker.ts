/**
 * `poshil lab worker`: a bench host's long-running side of the lab. It registers its bench's
 * devices, then for every idle, healthy device takes the oldest job whose selection matches
 * (woken by NOTIFY, with a slow poll as a fallback), runs it with the same bench runner as
 * `poshil run --bench` and uploads the result. Heartbeats renew its leases; every worker also
 * runs the reaper. The database going away never stops a run: results wait in the outbox.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import type { Bench, BenchDevice } from '../../bench/bench-file.js';
import { runBench } from '../../bench/bench-run.js';
import { pipedConsole } from '../../bench/device-lines.js';
import { isRunnable } from '../../bench/pool/health.js';
import type { DevicePool } from '../../bench/pool/pool.js';
import { ExitCode, PoshilError, errorMessage } from '../../core/errors.js';
import type { SimulatorLauncher } from '../../runner/simulator-process.js';
import type { LabDatabase } from '../db/connect.js';
import { maskSecret } from '../secrets.js';
import type { LabEvent } from '../notify/index.js';
import { checkMissed, takeFirings } from '../schedules.js';
import { cancelledCampaignEvents, offlineWorkerEvents } from './events.js';
import { JobInputs, type LoadedJob } from './job-inputs.js';
import { Outbox } from './outbox.js';
import { ResultSender } from './results.js';
import { judgePlanRun, planJudge, type Signing } from './plan-verdict.js';
import { reapExpiredLeases } from './reaper.js';
import { heartbeat, labDeviceId, registerWorker, stopWorker } from './registry.js';
import { LabPrompts } from './prompts.js';
import { DEFAULT_TIMINGS, leaseSpanMs, type WorkerTimings } from './timings.js';
import { PROMPT_ANSWERED, RELEASE_ASKED } from '../channels.js';
import { isWindowQueue } from '../queues.js';
import { queuesFor, takeJob, waitingQueues, type TakenJob } from './take.js';
import { caseRow, type CaseRow } from './case-row.js';
import { insertCases } from './upload.js';


/** How long a case must have run before the panel is told the device is in it. */
const CASE_NOTICE_MS = 25;
/** Receipts of a run that the panel may show as they print. */
const LIVE_RECEIPTS = 200;


export interface WorkerOptions {
  db: LabDatabase;
  boss: PgBoss;
  bench: Bench;
  pool: DevicePool;
  name: string;
  /** Runs, bundles and the outbox live here. */
  workDir: string;
  timings: WorkerTimings;
  signal: AbortSignal;
  log: (line: string) => void;
  /** Tells people (webhooks) what happened; must not throw. */
  notify?: (event: LabEvent) => void;
  /** Whether a device's maintenance window is open now (disruptive jobs wait for it). */
  windowOpen?: (device: { id: string; labels: Readonly<Record<string, string>> }) => Promise<boolean>;
  launchSimulator?: SimulatorLauncher;
  /** Plan jobs get a signed certificate with this key. */
  signing?: Signing;
}

interface Running {
  job: TakenJob;
  /** When its lease was taken (performance.now()): a heartbeat asked before that cannot know it. */
  takenAt: number;
  abort: AbortController;
  done: Promise<void>;
}

export async function runWorker(options: WorkerOptions): Promise<void> {
  const { db, boss, bench, pool, timings, log } = options;
  const workerId = randomUUID();
  const jobInputs = new JobInputs(db.pool, join(options.workDir, 'bundles'));
  const running = new Map<string, Running>();
  const say = (line: string) => log(maskSecret(line));
  const notify = options.notify ?? (() => {});
  const results = new ResultSender(db.pool, boss, new Outbox(join(options.workDir, 'outbox')), say, notify, (deviceId) => bench.devices.find((d) => labDeviceId(bench.name, d.name) === deviceId)?.name ?? deviceId);
  const prompts = new LabPrompts(db.pool, workerId);
  const { shared, removed } = await registerWorker(db.pool, { id: workerId, name: options.name, heartbeatMs: timings.heartbeatMs }, bench, (device) => pool.health(device));
  say(`worker ${options.name} registered ${bench.devices.length} device(s) of bench ${bench.name} on ${db.shown}`);
  if (shared.length > 0) say(`note: ${shared.map((s) => `${s.device} (worker ${s.worker})`).join(', ')} ${shared.length === 1 ? 'is' : 'are'} served by another online worker too; each job goes to one of you`);
  if (removed.length > 0) say(`removed from the lab (no longer on bench ${bench.name}; their runs stay in the history): ${removed.join(', ')}`);

  let listener: pg.PoolClient | undefined;
  let dispatching: Promise<void> | undefined;
  let again = false;
  // Said once when it begins (and when its reason changes), and once when it ends: a database
  // down for an hour must not fill the log with a line per poll.
  let cannotTake: string | undefined;
  const wake = () => {
    if (options.signal.aborted) return;
    if (dispatching) {
      again = true;
      return;
    }
    dispatching = dispatch()
      .then(
        () => {
          if (cannotTake !== undefined) say('taking jobs again');
          cannotTake = undefined;
        },
        (error: unknown) => {
          const why = errorMessage(error);
          if (why !== cannotTake) say(`cannot take jobs now: ${why} (said again only when this changes)`);
          cannotTake = why;
        },
      )
      .finally(() => {
        dispatching = undefined;
        if (again) {
          again = false;
          wake();
        }
      });
  };

  async function listen(): Promise<void> {
    if (listener) return;
    const client = await db.pool.connect();
    client.on('notification', (message) => {
      if (message.channel === PROMPT_ANSWERED) prompts.noticed(message.payload);
      else if (message.channel === RELEASE_ASKED) void releaseAsked();
      else wake();
    });
    client.on('error', () => {
      client.release(true);
      if (listener === client) listener = undefined;
    });
    await client.query(`LISTEN poshil_jobs; LISTEN ${PROMPT_ANSWERED}; LISTEN ${RELEASE_ASKED}`);
    listener = client;
  }

  /** Releases from quarantine asked for in the panel, done on this host's state file. */
  async function releaseAsked(): Promise<void> {
    try {
      const { rows } = await db.pool.query<{ id: string; name: string; by: string | null }>('SELECT id, name, release_requested_by AS by FROM lab.devices WHERE worker_id = $1 AND release_requested_at IS NOT NULL', [workerId]);
      for (const row of rows) {
        const health = await pool.release(row.name, row.by ?? 'the lab panel');
        await db.pool.query('UPDATE lab.devices SET release_requested_at = NULL, release_requested_by = NULL, health = $2, health_reason = $3 WHERE id = $1', [row.id, health.state, health.reason]);
        say(`${row.name}: released from quarantine by ${row.by ?? 'the lab panel'}`);
      }
      if (rows.length > 0) wake();
    } catch (error) {
      say(`cannot release devices now: ${errorMessage(error)}`);
    }
  }

  async function dispatch(): Promise<void> {
    // The state file read once per wake, not once per device.
    const health = pool.state.read().devices;
    const runnable = (device: BenchDevice) => health[device.name] === undefined || isRunnable(health[device.name]!);
    // Out of service (quarantined, held for maintenance): its lock is let go for the person who looks at it.
    for (const device of bench.devices) if (!runnable(device) && !running.has(labDeviceId(bench.name, device.name))) await pool.letGo(device.name);
    const idle = bench.devices.filter((device) => !running.has(labDeviceId(bench.name, device.name)) && runnable(device));
    if (idle.length === 0) return;
    const waiting = await waitingQueues(db.pool);
    for (const device of idle) {
      if (options.signal.aborted || waiting.length === 0) return;
      const id = labDeviceId(bench.name, device.name);
      const candidates = queuesFor(waiting, { id, labels: device.labels });
      if (candidates.length === 0) continue;
      // A device another run on this host has locked takes no job (it would fail it) until that run ends.
      if (!(await keepLock(device))) continue;
      const open = candidates.some(isWindowQueue) ? ((await options.windowOpen?.({ id, labels: device.labels })) ?? false) : false;
      for (const queue of candidates.filter((q) => open || !isWindowQueue(q))) {
        const taken = await takeJob(db.pool, boss, queue, id, workerId, leaseSpanMs(timings));
        if (taken === 'device-held') break;
        if (!taken) {
          // Empty now (another device or worker was first): no other idle device need ask it again.
          waiting.splice(waiting.findIndex((q) => q.name === queue), 1);
          continue;
        }
        start(device, id, taken);
        break;
      }
    }
  }

  const lockedBy = new Map<string, string>();
  async function keepLock(device: BenchDevice): Promise<boolean> {
    try {
      await pool.keep(device.name);
      if (lockedBy.delete(device.name)) say(`${device.name}: its lock is free again; taking jobs`);
      return true;
    } catch (error) {
      const why = errorMessage(error);
      // Said once per holder, not at every poll.
      if (lockedBy.get(device.name) !== why) say(`${device.name}: takes no jobs while ${why}`);
      lockedBy.set(device.name, why);
      return false;
    }
  }

  function start(device: BenchDevice, deviceId: string, job: TakenJob): void {
    const takenAt = performance.now();
    const abort = new AbortController();
    const stop = () => abort.abort(options.signal.reason);
    options.signal.addEventListener('abort', stop, { once: true });
    say(`${device.name}: job ${job.jobId} (attempt ${job.attempt}) from ${job.queue}`);
    const done = runJob(device, deviceId, job, abort.signal)
      .catch((error: unknown) => say(`${device.name}: job ${job.jobId} could not be run: ${errorMessage(error)}`))
      .finally(() => {
        options.signal.removeEventListener('abort', stop);
        running.delete(deviceId);
        wake();
      });
    running.set(deviceId, { job, takenAt, abort, done });
  }

  async function runJob(device: BenchDevice, deviceId: string, job: TakenJob, signal: AbortSignal): Promise<void> {
    const cases: CaseRow[] = [];
    const base = { runId: job.runId, jobId: job.jobId, deviceId, queue: job.queue, leaseId: job.leaseId, attempt: job.attempt, retryLimit: job.retryLimit, labels: device.labels };
    let loaded: LoadedJob;
    try {
      loaded = await jobInputs.load(job.jobId, device);
    } catch (error) {
      // A job this worker cannot even load (bad files, a plan the device cannot run) is not retried.
      const message = error instanceof PoshilError ? error.message : `internal error: ${errorMessage(error)}`;
      say(`${device.name}: job ${job.jobId} rejected: ${message}`);
      await results.send({ ...base, exitCode: ExitCode.invalidInput, outcome: 'REJECTED', suites: [], summary: { error: message }, endedAt: new Date().toISOString(), cases });
      return;
    }
    const healthBefore = pool.health(device.name).state;
    let planned = Number.POSITIVE_INFINITY;
    let currentCase: string | null = null;
    let caseNotice: NodeJS.Timeout | undefined;
    const result = await runBench({
      bench,
      devices: [{ device, inputs: loaded.inputs }],
      pool,
      selection: '',
      spread: false,
      workers: 1,
      outDir: join(options.workDir, 'runs'),
      lockWaitMs: 0,
      cases: {},
      retries: loaded.retries,
      logLevel: 'info',
      junit: true,
      html: true,
      console: pipedConsole([device.name], { write: (text: string) => (say(text.trimEnd()), true) }),
      signal,
      benchReports: false,
      ...(loaded.plan ? { judge: planJudge(loaded.plan) } : {}),
      lab: { jobId: job.jobId, runId: job.runId, attempt: job.attempt, leaseId: job.leaseId, worker: options.name, host: hostname() },
      ...(options.launchSimulator ? { launchSimulator: options.launchSimulator } : {}),
      operator: () => prompts.factory(job.runId, deviceId),
      // The panel shows receipts as they print: the first of a run (a soak prints thousands; the evidence keeps them all).
      onReceipt: () => (receipt) => {
        if (receipt.n > LIVE_RECEIPTS) return;
        void db.pool
          .query('INSERT INTO lab.receipts (run_id, n, copy, txn_id, case_id, text) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING', [job.runId, receipt.n, receipt.copy, receipt.txnId ?? null, currentCase, JSON.stringify(receipt.text)])
          .catch(() => {});
      },
      reporters: () => [
        {
          name: 'lab-cases',
          onRunStart: (_header, plannedCases) => void (planned = plannedCases),
          // For the panel: the case a device is in now. Best effort, like the cases below.
          onCaseStart: (ref) => {
            const started = (currentCase = `${ref.suite}/${ref.id}`);
            // Told a moment later, and only if still in it: a case of a few milliseconds is over
            // before anyone could see it, and a write each would cost the lab's throughput.
            clearTimeout(caseNotice);
            caseNotice = setTimeout(() => {
              if (currentCase === started) void db.pool.query('UPDATE lab.runs SET current_case = $2 WHERE id = $1', [job.runId, started]).catch(() => {});
            }, CASE_NOTICE_MS);
          },
          onCaseEnd: (record) => {
            currentCase = null;
            const row = caseRow(cases.length + 1, record);
            cases.push(row);
            // Best effort as each case ends: a crashed worker's partial run keeps what it did.
            // The last one goes up with the run's upload, which follows at once.
            if (cases.length < planned) insertCases(db.pool, job.runId, [row]).catch(() => {});
          },
        },
      ],
    });
    clearTimeout(caseNotice);
    const ran = result.summary.devices[0]!;
    let exitCode = result.exitCode;
    let verdict: { met: boolean; reasons: string[] } | undefined;
    if (loaded.plan && ran.runDir && exitCode !== ExitCode.interrupted && exitCode !== ExitCode.deviceError) {
      verdict = judgePlanRun(join(result.benchDir, ran.runDir), loaded.plan, options.signing);
      if (verdict) exitCode = verdict.met ? ExitCode.ok : ExitCode.caseFailed;
    }
    const health = pool.health(device.name);
    if (health.state === 'quarantined' && healthBefore !== 'quarantined') {
      notify({ kind: 'device-quarantined', device: device.name, worker: options.name, reason: health.reason, ...(device.labels['site'] ? { site: device.labels['site'] } : {}), at: new Date().toISOString() });
    }
    await results.send({
      ...base,
      exitCode,
      // The cases may all pass and the plan still not be met (a capability missing, too few cases).
      outcome: verdict && !verdict.met ? 'FAIL' : ran.outcome,
      ...(ran.identity ? { identity: ran.identity } : {}),
      health: { state: health.state, reason: health.reason },
      suites: loaded.suites,
      summary: { ...(ran.summary ?? {}), ...(ran.error ? { error: ran.error } : {}), ...(ran.skipped ? { skipped: ran.skipped } : {}), benchRunId: result.summary.benchRunId, durationMs: result.summary.durationMs, worker: options.name, ...(verdict ? { plan: { id: loaded.plan!.id, met: verdict.met, reasons: verdict.reasons } } : {}) },
      endedAt: new Date().toISOString(),
      cases,
      folder: result.benchDir,
    });
  }

  const timers = [
    setInterval(() => {
      takeFirings(db, boss, say, notify)
        .then(() => checkMissed(db.pool, timings.missedGraceMs, new Date(), notify))
        .catch((error: unknown) => say(`schedules: ${errorMessage(error)}`));
    }, timings.cronCheckMs),
    setInterval(() => {
      const asked = performance.now();
      heartbeat(db.pool, workerId, leaseSpanMs(timings), bench.devices.map((d) => ({ id: labDeviceId(bench.name, d.name), health: pool.health(d.name) })))
        .then((held) => {
          void releaseAsked();
          for (const [, job] of running) {
            if (job.takenAt < asked && !held.has(job.job.leaseId)) {
              say(`job ${job.job.jobId}: its lease was taken away (this worker was cut off too long); stopping it`);
              job.abort.abort(new Error('lease lost'));
            }
          }
        })
        .catch(() => {});
    }, timings.heartbeatMs),
    setInterval(() => {
      reapExpiredLeases(db.pool, boss, timings.leaseTtlMs)
        .then((n) => n > 0 && (say(`reaper: freed ${n} device(s) whose worker stopped`), wake()))
        .then(() => Promise.all([offlineWorkerEvents(db.pool, DEFAULT_TIMINGS.heartbeatMs), cancelledCampaignEvents(db.pool)]))
        .then((events) => events.flat().forEach(notify))
        .catch(() => {});
    }, timings.reaperMs),
    setInterval(() => {
      listen().catch(() => {});
      void results.sendWaiting(false);
      wake();
    }, timings.pollMs),
  ];

  try {
    await results.sendWaiting(true);
    await listen().catch((error: unknown) => say(`cannot listen for jobs yet: ${errorMessage(error)}`));
    wake();
    await new Promise<void>((resolve) => (options.signal.aborted ? resolve() : options.signal.addEventListener('abort', () => resolve(), { once: true })));
    say(`stopping: ${running.size} job(s) running are stopped and recorded`);
    await dispatching;
    await Promise.all([...running.values()].map((r) => r.done));
  } finally {
    for (const timer of timers) clearInterval(timer);
    await pool.close().catch((error: unknown) => say(`cannot write the bench's state file: ${errorMessage(error)}`));
    listener?.release();
    await stopWorker(db.pool, workerId).catch(() => {});
  }
}
