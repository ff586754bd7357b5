/**
 * `poshil lab …`: many bench hosts sharing one PostgreSQL (docs/lab.md). This file only wires
 * options to harness/lab, loaded when a lab command runs: pg and pg-boss never load for
 * `poshil run` or `--help`.
 */
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ExitCode, InputError } from '../../core/errors.js';
import type { LabEvent } from '../../lab/notify/index.js';
import { consoleText } from '../../core/console-text.js';
import { registerLabAdmin } from './lab-admin.js';
import { registerLabPanel, servePanel } from './lab-panel.js';
import { connect, DATABASE_HELP, DIR_HELP, span, type DatabaseOptions } from './lab-options.js';
import { wholeNumber } from './option-values.js';
import { COMMAND_SUMMARIES } from './summaries.js';

/** How long a stopping worker waits for webhook deliveries still under way (retries included). */
const DELIVERY_GRACE_MS = 15_000;

export function registerLab(program: Command): void {
  const lab = program
    .command('lab')
    .description(COMMAND_SUMMARIES.lab.description)
    .addHelpText('after', `
Examples:
  $ poshil lab up                                              embedded PostgreSQL in .poshil/lab
  $ poshil lab worker --bench devices/benches/simulators.bench.yaml
  $ poshil lab submit suites/card-swipe.suite.yaml --select protocol=bench --any --wait
  $ poshil lab submit --plan suites/plans/acceptance.plan.yaml --select brand=acme --each --wait
  $ poshil lab status
  $ poshil lab panel                                           the lab in a browser (docs/panel.md)
  $ poshil lab results --since 7d --by firmware
  $ poshil lab compare --firmware 2.0 --firmware 2.1
  $ poshil lab down`);

  lab
    .command('up')
    .description('Start the embedded PostgreSQL (created the first time) and bring its schema up to date; prints its URL.')
    .option('--dir <dir>', DIR_HELP)
    .option('--port <n>', 'TCP port on 127.0.0.1 (default: a free one)')
    .option('--panel', 'then serve the lab panel until Ctrl-C (as poshil lab panel; the database keeps running)')
    .option('--panel-port <n>', 'port of the panel', '8080')
    .action(async (options: { dir?: string; port?: string; panel?: boolean; panelPort: string }) => {
      const { labUp, labUrl } = await import('../../lab/embedded/server.js');
      const { ensureDatabase, prepareSchema } = await import('../../lab/setup.js');
      const { DEFAULT_LAB_DIR } = await import('../../lab/db/connect.js');
      const dir = resolve(options.dir ?? DEFAULT_LAB_DIR);
      const server = await labUp(dir, { port: wholeNumber('--port', options.port, 0, 65535) });
      await ensureDatabase(server);
      const applied = await prepareSchema(labUrl(server));
      process.stdout.write(
        `lab database ${server.state === 'running' ? 'already running' : 'started'}: ${labUrl(server, '***')}\n` +
          `  password and port: ${join(dir, 'lab.json')} (mode 0600); lab commands run in this folder find it there\n` +
          (applied.length > 0 ? `  schema migrations applied: ${applied.join(', ')}\n` : '') +
          `  stop it with: poshil lab down${options.dir ? ` --dir ${options.dir}` : ''}\n`,
      );
      if (options.panel) await servePanel({ dir, port: options.panelPort, host: '127.0.0.1', maxClients: '64' });
    });

  lab
    .command('migrate')
    .description("Create or upgrade the lab's tables, pg-boss's schema and the lab's roles: on a server of your own as the role that owns them, or the embedded one of a lab folder (lab up does it too).")
    .option('--database <url>', 'PostgreSQL URL of the owner role, e.g. postgres://poshil_owner@db.lab:5432/poshil (default $POSHIL_DATABASE_URL, else the lab folder\'s)')
    .option('--dir <dir>', DIR_HELP)
    .action(async (options: { database?: string; dir?: string }) => {
      const { prepareSchema } = await import('../../lab/setup.js');
      const { describeDatabase } = await import('../../lab/secrets.js');
      const { databaseUrl, DEFAULT_LAB_DIR } = await import('../../lab/db/connect.js');
      const url = databaseUrl({ ...(options.database ? { database: options.database } : {}), dir: options.dir ?? DEFAULT_LAB_DIR });
      const applied = await prepareSchema(url);
      process.stdout.write(`lab schema of ${describeDatabase(url)} is up to date${applied.length > 0 ? ` (migrations applied: ${applied.join(', ')})` : ''}\n`);
    });

  lab
    .command('down')
    .description('Stop the embedded PostgreSQL of a lab folder (its data stays).')
    .option('--dir <dir>', DIR_HELP)
    .action(async (options: { dir?: string }) => {
      const { labDown } = await import('../../lab/embedded/server.js');
      const { DEFAULT_LAB_DIR } = await import('../../lab/db/connect.js');
      const stopped = await labDown(options.dir ?? DEFAULT_LAB_DIR);
      process.stdout.write(stopped ? 'lab database stopped\n' : 'lab database was not running\n');
    });

  lab
    .command('worker')
    .description('On a bench host: register the bench\'s devices and run the jobs queued for them until Ctrl-C.')
    .requiredOption('--bench <file>', 'bench file (*.bench.yaml) of the devices on this host')
    .option('--name <name>', 'worker name shown in lab status (default: the host name)')
    .option('--dir <dir>', DIR_HELP)
    .option('--database <url>', DATABASE_HELP)
    .option('--work <dir>', 'where runs, bundles and the outbox are kept (default .poshil/lab/work/NAME)')
    .option('--lab <dir>', 'folder of the bench\'s device locks and health, shared with poshil run --bench and poshil bench (default $POSHIL_LAB_DIR or .poshil)')
    .option('--lease-ttl <time>', 'a device lease not renewed for this long is freed and its job retried (default 60s)')
    .option('--heartbeat <time>', 'how often the worker renews its leases: at most a third of --lease-ttl (default a sixth)')
    .option('--cron-check <time>', 'how often scheduled firings are taken and missed ones looked for (default 15s)')
    .option('--missed-after <time>', 'a scheduled run not started this long after its time is reported missed (default 5m)')
    .option('--key <file>', 'sign a certificate for every plan job with this private key (poshil keygen)')
    .option('--lab-name <name>', 'laboratory named on those certificates')
    .option('--in-process-simulators', 'run the bench\'s simulated terminals inside this process')
    .addHelpText(
      'after',
      `
Examples:
  $ poshil lab worker --bench devices/benches/lab-example.bench.yaml           on a bench host, until Ctrl-C
  $ poshil lab worker --bench devices/benches/simulators.bench.yaml --in-process-simulators --name ci-1
  $ poshil lab worker --bench devices/benches/lab-example.bench.yaml --key keys/lab.key --lab-name "Bench 2"   signs plan jobs

Ctrl-C (or SIGTERM) stops the running jobs and records them, then exits 130; a second one quits
at once. Its devices then show offline in lab status. Exit 2: invalid input (the bench file);
3: the database cannot be reached.`,
    )
    .action(async (options: DatabaseOptions & { bench: string; name?: string; work?: string; leaseTtl?: string; heartbeat?: string; cronCheck?: string; missedAfter?: string; key?: string; labName?: string; lab?: string; inProcessSimulators?: boolean }) => {
      const { loadBench } = await import('../../bench/bench-file.js');
      const { DevicePool, labDirectory } = await import('../../bench/pool/pool.js');
      const { startBoss } = await import('../../lab/queues.js');
      const { runWorker } = await import('../../lab/worker/worker.js');
      const { DEFAULT_TIMINGS } = await import('../../lab/worker/timings.js');
      const { windowOpener } = await import('../../lab/windows.js');
      const bench = loadBench(options.bench);
      const name = options.name ?? hostname();
      const privateKey = options.key ? (await import('../../evidence/signing.js')).loadPrivateKey(resolve(options.key)) : undefined;
      const leaseTtlMs = span('--lease-ttl', options.leaseTtl) ?? DEFAULT_TIMINGS.leaseTtlMs;
      const heartbeatMs = span('--heartbeat', options.heartbeat) ?? Math.max(100, Math.round(leaseTtlMs / 6));
      // A lease lives on heartbeats: one missed must not lose it, or the reaper frees a device in use.
      if (heartbeatMs * 3 > leaseTtlMs) {
        throw new InputError('E_OPTION', `--heartbeat ${options.heartbeat ?? `${heartbeatMs}ms`} is too long for --lease-ttl ${options.leaseTtl ?? `${leaseTtlMs / 1000}s`}: a lease would expire between heartbeats`, {
          hint: 'give a heartbeat of at most a third of the lease time (the default is a sixth)',
        });
      }
      const cronCheckMs = span('--cron-check', options.cronCheck) ?? DEFAULT_TIMINGS.cronCheckMs;
      const timings = {
        leaseTtlMs,
        heartbeatMs,
        reaperMs: Math.min(DEFAULT_TIMINGS.reaperMs, heartbeatMs),
        pollMs: Math.min(DEFAULT_TIMINGS.pollMs, heartbeatMs),
        cronCheckMs,
        missedGraceMs: span('--missed-after', options.missedAfter) ?? DEFAULT_TIMINGS.missedGraceMs,
      };
      const db = await connect(options, `poshil-worker:${name}`);
      const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
      // Every worker keeps pg-boss's cron going; pg-boss lets one of them fire each due minute.
      const cronSeconds = Math.min(45, Math.max(1, Math.round(cronCheckMs / 1000)));
      const boss = await startBoss(db.pool, { schedule: true, cronMonitorIntervalSeconds: cronSeconds, cronWorkerIntervalSeconds: cronSeconds, onError: (message) => log(`queue: ${message}`) });
      const { notify } = await import('../../lab/notifications.js');
      const workDir = resolve(options.work ?? join(options.dir ?? '.poshil/lab', 'work', name));
      const abort = new AbortController();
      let interrupts = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        if (++interrupts > 1) process.exit(ExitCode.interrupted);
        process.stderr.write(`\nposhil: ${signal}: stopping the running jobs and recording them (again to quit at once)\n`);
        abort.abort(new Error(`interrupted by ${signal}`));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      // Webhook deliveries have their own stop: a failed run's alert that a Ctrl-C follows must
      // still reach a person, so stopping the worker waits for them (within DELIVERY_GRACE_MS).
      const deliveries = new Set<Promise<void>>();
      const stopDeliveries = new AbortController();
      const deliver = (event: LabEvent) => {
        const delivery = notify(db.pool, event, log, stopDeliveries.signal).catch(() => {});
        deliveries.add(delivery);
        void delivery.finally(() => deliveries.delete(delivery));
      };
      try {
        await runWorker({
          db,
          boss,
          bench,
          // The same locks and health as poshil run --bench and poshil bench status|release on this
          // host; a device's lock is kept from its first job until it leaves service or the worker
          // stops, and its health after a job is written within half a second, with the others.
          pool: new DevicePool(bench, labDirectory(options.lab), { keepLocksAs: `lab worker ${name}`, writeBehindMs: 500 }),
          name,
          workDir,
          timings,
          signal: abort.signal,
          log,
          windowOpen: windowOpener(db.pool),
          ...(privateKey ? { signing: { privateKey, tester: `poshil lab worker ${name} on ${hostname()}`, ...(options.labName ? { labName: options.labName } : {}) } } : {}),
          notify: deliver,
          ...(options.inProcessSimulators ? { launchSimulator: (await import('./in-process-simulator.js')).startInProcessSimulator } : {}),
        });
      } finally {
        if (deliveries.size > 0) {
          log(`waiting up to ${DELIVERY_GRACE_MS / 1000} s for ${deliveries.size} webhook delivery(ies) (Ctrl-C again to quit at once)`);
          const grace = setTimeout(() => stopDeliveries.abort(), DELIVERY_GRACE_MS);
          await Promise.all(deliveries);
          clearTimeout(grace);
        }
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await boss.stop({ graceful: false, wait: true }).catch(() => {});
        await db.pool.end();
      }
      process.exitCode = ExitCode.interrupted;
    });

  lab
    .command('submit')
    .description('Queue suites or a plan for the devices a selection matches: --each (one job per device) or --any (the first free one).')
    .argument('[suites...]', 'suite files or folders')
    .option('--plan <file>', 'certification plan (*.plan.yaml) instead of suites')
    .option('--select <labels>', 'key=value,… of the devices (see lab status)', '')
    .option('--each', 'one job per matching device (fleet certification)')
    .option('--any', 'one job, for the first matching device that is free (default)')
    .option('--retries <n>', 'how often a job is tried again on a matching device after a device error or a lost worker', '1')
    .option('--wait', 'wait until every job has ended; the exit code is then the worst of theirs')
    .option('--database-outage <span>', 'with --wait: how long to wait for a lab database that went away (restarted) before exit 3; its jobs go on meanwhile (default 10m)')
    .option('--dir <dir>', DIR_HELP)
    .option('--database <url>', DATABASE_HELP)
    .option('--json', 'print the submission as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ poshil lab submit suites/smoke.suite.yaml --select link=tcp --each --wait   every matching device, and wait
  $ poshil lab submit suites/card-swipe.suite.yaml --select model=p3 --any     the first free P3
  $ poshil lab submit --plan suites/plans/daily-health.plan.yaml --select site=store-12 --each

Exit codes: 0 submitted; 2 invalid input (a suite or plan, or a selection no registered device
can ever match: the labels that exist are listed); 3 the database cannot be reached. With --wait,
the worst over the jobs: 3 a job ended in a device error or ran out of retries, 2 a worker
rejected one, 130 one was cancelled (poshil lab cancel), 1 one failed, 0 every job passed.`,
    )
    .action(async (suites: string[], options: DatabaseOptions & { plan?: string; select: string; each?: boolean; any?: boolean; retries: string; wait?: boolean; databaseOutage?: string }) => {
      const outageMs = span('--database-outage', options.databaseOutage);
      if (options.each && options.any) throw new InputError('E_OPTION', '--each and --any do not go together', { hint: '--each: one job per matching device; --any: one job for the first free one' });
      if (!options.plan && suites.length === 0) throw new InputError('E_OPTION', 'name the suites to run, or --plan', { hint: 'e.g. poshil lab submit suites/card-swipe.suite.yaml --select model=p3 --any' });
      if (options.plan && suites.length > 0) throw new InputError('E_OPTION', '--plan names its own suites; give either suites or --plan');
      const { makeBundle } = await import('../../lab/bundle.js');
      const { submit } = await import('../../lab/submit.js');
      const { startBoss } = await import('../../lab/queues.js');
      const bundle = makeBundle({ ...(options.plan ? { plan: options.plan } : {}), suites });
      const db = await connect(options, 'poshil-submit');
      try {
        const boss = await startBoss(db.pool);
        try {
          const submitted = await submit(db, boss, { bundle, selection: options.select, mode: options.each ? 'each' : 'any', retries: wholeNumber('--retries', options.retries, 1, 100) });
          // Ctrl-C from here stops the waiting, not the jobs: say so, or a person thinks they were cancelled.
          const stopWaiting = () => {
            process.stderr.write(`\nposhil: stopped waiting; the jobs of submission ${submitted.id} stay queued and run (poshil lab status shows them)\n`);
            process.exit(ExitCode.interrupted);
          };
          if (options.wait) process.once('SIGINT', stopWaiting);
          // With --json, stdout is the JSON alone; what a person follows goes to stderr.
          const progress = options.json ? process.stderr : process.stdout;
          if (options.json && !options.wait) process.stdout.write(JSON.stringify(submitted, null, 2) + '\n');
          else progress.write(`submitted ${submitted.id}: ${submitted.jobs.length} job(s)${bundle.disruptive ? ' (disruptive: each starts inside its device\'s maintenance window)' : ''}\n`);
          if (options.wait) {
            const { waitForSubmission } = await import('../../lab/wait.js');
            try {
              const ended = await waitForSubmission(db.pool, submitted.id, (line) => progress.write(consoleText(line) + '\n'), outageMs !== undefined ? { outageMs } : {});
              if (options.json) process.stdout.write(JSON.stringify({ ...submitted, jobs: ended.jobs }, null, 2) + '\n');
              process.exitCode = ended.exitCode;
            } finally {
              process.off('SIGINT', stopWaiting);
            }
          }
        } finally {
          await boss.stop({ graceful: false, wait: true }).catch(() => {});
        }
      } finally {
        await db.pool.end();
      }
    });

  lab
    .command('status')
    .description('Workers, devices (idle, leased, quarantined, offline) and the queue.')
    .option('--dir <dir>', DIR_HELP)
    .option('--database <url>', DATABASE_HELP)
    .option('--json', 'print JSON')
    .action(async (options: DatabaseOptions) => {
      const { labStatus, formatStatus } = await import('../../lab/status.js');
      const { DEFAULT_TIMINGS } = await import('../../lab/worker/timings.js');
      const db = await connect(options, 'poshil-status');
      try {
        const status = await labStatus(db.pool, DEFAULT_TIMINGS.heartbeatMs);
        process.stdout.write(options.json ? JSON.stringify(status, null, 2) + '\n' : formatStatus(status, db.shown));
      } finally {
        await db.pool.end();
      }
    });

  lab
    .command('cancel')
    .description('Withdraw queued jobs, named by job or submission id, before a worker takes them; running jobs end on their own.')
    .argument('<ids...>', 'job or submission ids (lab submit prints the submission; --json lists its jobs)')
    .option('--dir <dir>', DIR_HELP)
    .option('--database <url>', DATABASE_HELP)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ poshil lab cancel 3f1c…-…                 every queued job of that submission (a campaign)
  $ poshil lab cancel JOB-ID JOB-ID           these jobs only

A role cancels the jobs it submitted; the lab's owner any. An id that names no job cancels
nothing (exit 2). A lab submit --wait following a cancelled job ends with exit 130.

Exit codes: 0 none of the jobs will run any more (cancelled, or ended before); 1 some are running
and end on their own; 2 an unknown id, or jobs another role submitted; 3 the database cannot be
reached.`,
    )
    .action(async (ids: string[], options: DatabaseOptions) => {
      const { cancelJobs, cancelExitCode, formatCancelled } = await import('../../lab/cancel.js');
      const db = await connect(options, 'poshil-cancel');
      try {
        const jobs = await cancelJobs(db.pool, ids);
        process.stdout.write(options.json ? JSON.stringify(jobs, null, 2) + '\n' : formatCancelled(jobs));
        process.exitCode = cancelExitCode(jobs);
      } finally {
        await db.pool.end();
      }
    });

  lab
    .command('results')
    .description('Pass rate, payment success rate, tx/s and p50/p99 latency from the lab\'s history, grouped.')
    .option('--by <group>', 'firmware, model, suite, site, day or device', 'firmware')
    .option('--suite <id>', 'only this suite')
    .option('--firmware <version>', 'only this firmware')
    .option('--since <span>', 'only runs started within this span, e.g. 7d, 12h')
    .option('--dir <dir>', DIR_HELP)
    .option('--database <url>', DATABASE_HELP)
    .option('--json', 'print JSON')
    .action(async (options: DatabaseOptions & { by: string; suite?: string; firmware?: string; since?: string }) => {
      const { labResults, formatResults, firmwareWithResults, GROUPS } = await import('../../lab/results.js');
      if (!(options.by in GROUPS)) throw new InputError('E_OPTION', `--by must be one of ${Object.keys(GROUPS).join(', ')}`);
      const sinceMs = span('--since', options.since);
      const db = await connect(options, 'poshil-results');
      try {
        const by = options.by as keyof typeof GROUPS;
        const rows = await labResults(db.pool, { by, ...(options.suite ? { suite: options.suite } : {}), ...(options.firmware ? { firmware: options.firmware } : {}), ...(sinceMs ? { sinceMs } : {}) });
        process.stdout.write(options.json ? JSON.stringify(rows, null, 2) + '\n' : formatResults(rows, by));
        if (rows.length === 0 && options.firmware) {
          const known = await firmwareWithResults(db.pool, sinceMs);
          process.stderr.write(`  hint:  firmware with results: ${known.join(', ') || '(none)'} (as the terminals report it, which a bench's label may not)\n`);
        }
      } finally {
        await db.pool.end();
      }
    });

  lab
    .command('compare')
    .description('Fleet-wide, case by case: what changed from one firmware to another, with significance.')
    .requiredOption('--firmware <version...>', 'the two firmware versions, old then new (give --firmware twice)')
    .option('--suite <id>', 'only this suite')
    .option('--since <span>', 'only runs started within this span, e.g. 30d')
    .option('--dir <dir>', DIR_HELP)
    .option('--database <url>', DATABASE_HELP)
    .option('--json', 'print JSON')
    .action(async (options: DatabaseOptions & { firmware: string[]; suite?: string; since?: string }) => {
      if (options.firmware.length !== 2) throw new InputError('E_OPTION', `--firmware must be given twice (old, new), not ${options.firmware.length} time(s)`);
      if (options.firmware[0] === options.firmware[1]) throw new InputError('E_OPTION', `--firmware ${options.firmware[0]} is given twice: compare needs two different versions (old, new)`);
      const { labCompare, formatCompare, firmwareWithResults } = await import('../../lab/results.js');
      const sinceMs = span('--since', options.since);
      const [a, b] = options.firmware as [string, string];
      const db = await connect(options, 'poshil-compare');
      try {
        const changes = await labCompare(db.pool, a, b, { ...(options.suite ? { suite: options.suite } : {}), ...(sinceMs ? { sinceMs } : {}) });
        // A side with no results compares nothing: a CI gate must not pass on it. The firmware is
        // the one the terminals reported (2.1.0), which need not be a bench label's (2.1).
        const missing = [a, b].filter((_, i) => changes.every((c) => c[i === 0 ? 'a' : 'b'].total === 0));
        if (missing.length > 0) {
          const known = await firmwareWithResults(db.pool);
          throw new InputError('E_NO_RESULTS', `the lab has no results for firmware ${missing.join(' or ')}${options.suite ? ` in suite ${options.suite}` : ''}${sinceMs ? ` within ${options.since}` : ''}`, {
            hint: `firmware with results: ${known.join(', ') || '(none)'} (as the terminals report it, which a bench's label may not)`,
          });
        }
        process.stdout.write(options.json ? JSON.stringify(changes, null, 2) + '\n' : formatCompare(changes, a, b));
        if (changes.some((c) => c.verdict === 'worse')) process.exitCode = ExitCode.caseFailed;
      } finally {
        await db.pool.end();
      }
    });

  lab
    .command('evidence')
    .description("Write a run's evidence files from the lab database into a folder, checked by SHA-256 (then poshil verify or report read it).")
    .argument('<run>', 'lab run id (jobs[].runId of lab submit --wait --json)')
    .requiredOption('--out <dir>', 'new or empty folder to write them into')
    .option('--dir <dir>', DIR_HELP)
    .option('--database <url>', DATABASE_HELP)
    .action(async (run: string, options: DatabaseOptions & { out: string }) => {
      const { exportEvidence } = await import('../../lab/export.js');
      const db = await connect(options, 'poshil-evidence');
      try {
        const names = await exportEvidence(db.pool, run, resolve(options.out));
        process.stdout.write(`${names.length} file(s) of run ${run} written to ${options.out}\n`);
      } finally {
        await db.pool.end();
      }
    });

  registerLabAdmin(lab);
  registerLabPanel(lab);
}
