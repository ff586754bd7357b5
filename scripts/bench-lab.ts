/**
 * `npm run bench`, lab section: W worker processes, each with a bench of T simulated terminals
 * (in-process simulators), on an embedded PostgreSQL made for the run. Measures
 *   - throughput: J one-case jobs submitted at once (--any), jobs per second until the last ends;
 *   - latency on an idle lab: queue-to-start and submit-to-recorded per job, p50/p99;
 *   - the lab's overhead per job: submit-to-recorded against the same suite run locally on the
 *     same kind of device (runBench in this process), the two sides interleaved job by job.
 * BENCH_LAB="workers,terminals,jobs" (default 4,16,1000). Run alone with
 * `npm run build && node dist/scripts/bench-lab.js`.
 * BENCH_PROFILE_DIR=DIR writes a CPU profile of each worker there (what a job costs, and where).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadBench } from '../harness/bench/bench-file.js';
import { runBench } from '../harness/bench/bench-run.js';
import { DevicePool } from '../harness/bench/pool/pool.js';
import { loadRunInputs } from '../harness/config/inputs.js';
import { makeBundle } from '../harness/lab/bundle.js';
import { openLabDatabase, type LabDatabase } from '../harness/lab/db/connect.js';
import { startBoss } from '../harness/lab/queues.js';
import { submit } from '../harness/lab/submit.js';
import { startInProcessSimulator } from '../harness/cli/commands/in-process-simulator.js';
import { startBenchLab } from './bench/lab-fleet.js';
import { fileCreationUs } from './bench/file-cost.js';
import { percentile } from './bench/stats.js';


async function waitEnded(db: LabDatabase, count: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.pool.query<{ n: string }>("SELECT count(*) AS n FROM lab.jobs WHERE state IN ('passed','failed','error','dead','rejected')");
    if (Number(rows[0]!.n) >= count) return;
    if (Date.now() > end) throw new Error(`only ${rows[0]!.n} of ${count} jobs ended in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function labSection(workers: number, terminals: number, jobs: number, rounds = 30): Promise<string> {
  const lab = await startBenchLab('lab', workers, terminals);
  const { home, url, benches } = lab;
  try {
    const suite = join(home, 'short.suite.yaml');
    writeFileSync(suite, 'suite: short\ncases:\n  - id: identify\n    steps:\n      - do: identify\n');
    const db = await openLabDatabase(url, 'poshil-bench', { max: 10 });
    const boss = await startBoss(db.pool);
    const bundle = makeBundle({ suites: [suite] });
    for (let i = 0; i < 100; i++) {
      const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM lab.devices');
      if (Number(rows[0]!.n) >= workers * terminals) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    // Latency on an idle lab, interleaved with the same suite run locally.
    const localBench = loadBench(benches[0]!);
    const localInputs = loadRunInputs(localBench.devices[0]!.profile, [suite]);
    const local: number[] = [];
    const queueToStart: number[] = [];
    const endToEnd: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const t0 = performance.now();
      await runBench({
        bench: localBench, devices: [{ device: localBench.devices[round % terminals]!, inputs: localInputs }], pool: new DevicePool(localBench, join(home, 'local-pool')),
        selection: '', spread: false, workers: 1, outDir: join(home, 'local-runs'), lockWaitMs: 0, cases: {}, retries: 0, logLevel: 'info', junit: true, html: true, benchReports: false,
        console: { show: () => {}, progress: () => {}, end: () => {} }, signal: new AbortController().signal, launchSimulator: startInProcessSimulator,
      });
      local.push(performance.now() - t0);
      const submitted = await submit(db, boss, { bundle, selection: 'model=p3', mode: 'any', retries: 0 });
      const jobId = submitted.jobs[0]!.id;
      for (;;) {
        const { rows } = await db.pool.query<{ state: string; q: number; e: number }>(
          `SELECT j.state, extract(epoch FROM r.started_at - j.created_at) * 1000 AS q, extract(epoch FROM j.finished_at - j.created_at) * 1000 AS e
             FROM lab.jobs j LEFT JOIN lab.runs r ON r.id = j.result_run_id WHERE j.id = $1`,
          [jobId],
        );
        if (rows[0]!.state === 'passed') {
          queueToStart.push(Number(rows[0]!.q));
          endToEnd.push(Number(rows[0]!.e));
          break;
        }
        // A job that ended otherwise would keep this loop waiting for ever: say why instead.
        if (['failed', 'error', 'dead', 'rejected'].includes(rows[0]!.state)) {
          const { rows: run } = await db.pool.query<{ summary: unknown }>('SELECT summary FROM lab.runs WHERE job_id = $1 ORDER BY started_at DESC LIMIT 1', [jobId]);
          throw new Error(`job ${jobId} ended ${rows[0]!.state}: ${JSON.stringify(run[0]?.summary ?? null)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
    const before = Number((await db.pool.query<{ n: string }>("SELECT count(*) AS n FROM lab.jobs")).rows[0]!.n);

    // Throughput: every job submitted at once.
    const fileUs = fileCreationUs(join(lab.labDir, 'work', 'file-probe'));
    const cpuBefore = { ...lab.cpuMs(), submitters: process.cpuUsage() };
    const t0 = Date.now();
    // Eight submitters at once, as several CI pipelines would queue their jobs.
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next++ < jobs) await submit(db, boss, { bundle, selection: 'model=p3', mode: 'any', retries: 0 });
    }));
    const submitS = (Date.now() - t0) / 1000;
    await waitEnded(db, before + jobs, 30 * 60_000);
    const cpuAfter = lab.cpuMs();
    const submitterMs = process.cpuUsage(cpuBefore.submitters);
    // CPU per job, whatever else the machine is doing: the figure that decides jobs/s on two cores.
    const perJob = {
      workers: (cpuAfter.workers - cpuBefore.workers) / jobs,
      database: (cpuAfter.database - cpuBefore.database) / jobs,
      submitters: (submitterMs.user + submitterMs.system) / 1000 / jobs,
    };
    const { rows: span } = await db.pool.query<{ s: number; failed: string }>(
      `SELECT extract(epoch FROM max(finished_at) - min(created_at)) AS s, count(*) FILTER (WHERE state <> 'passed') AS failed
         FROM (SELECT * FROM lab.jobs ORDER BY created_at DESC LIMIT $1) j`,
      [jobs],
    );
    const { rows: failures } = await db.pool.query<{ state: string; n: string; reason: string | null }>(
      "SELECT j.state, count(*) AS n, min(r.summary::text) AS reason FROM lab.jobs j LEFT JOIN lab.runs r ON r.job_id = j.id WHERE j.state <> 'passed' GROUP BY j.state",
    );
    await boss.stop({ graceful: false, wait: true });
    await db.pool.end();
    const fmt = (v: number) => v.toFixed(1);
    const overhead = percentile(endToEnd, 50) - percentile(local, 50);
    return [
      `   ${workers} workers × ${terminals} simulated terminals, one-case jobs (identify)`,
      `   throughput: ${jobs} jobs in ${fmt(Number(span[0]!.s))} s = ${fmt(jobs / Number(span[0]!.s))} jobs/s (goal ≥ 50), ${span[0]!.failed} not passed; submitting took ${fmt(submitS)} s`,
      `   idle lab, ${rounds} jobs: queue-to-start p50 ${fmt(percentile(queueToStart, 50))} ms, p99 ${fmt(percentile(queueToStart, 99))} ms; submit-to-recorded p50 ${fmt(percentile(endToEnd, 50))} ms, p99 ${fmt(percentile(endToEnd, 99))} ms`,
      `   CPU per job: workers ${fmt(perJob.workers)} ms, PostgreSQL ${fmt(perJob.database)} ms, submitters ${fmt(perJob.submitters)} ms = ${fmt(perJob.workers + perJob.database + perJob.submitters)} ms (50 jobs/s on 2 cores: ≤ 40 ms)`,
      `   making a file or folder in the lab's folder: ${fileUs.toFixed(0)} µs of CPU each, before the throughput run (a job makes ten; docs/lab.md)`,
      ...failures.map((f) => `   ${f.n} ${f.state}: ${f.reason ?? ''}`),
      `   the same suite run locally (runBench in one process, interleaved): p50 ${fmt(percentile(local, 50))} ms → lab overhead per job p50 ${fmt(overhead)} ms (goal ≤ 50)`,
    ].join('\n');
  } finally {
    await lab.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [workers, terminals, jobs] = (process.env['BENCH_LAB'] ?? '4,16,1000').split(',').map(Number) as [number, number, number];
  console.log('Lab: workers taking jobs from one PostgreSQL');
  console.log(await labSection(workers, terminals, jobs));
}
