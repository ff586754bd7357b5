/**
 * The lab when things go wrong: two workers racing for the same devices, a worker killed in the
 * middle of a job, the database restarting under a running job. Real processes, a real
 * PostgreSQL; the database's own rows are the evidence.
 */
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadBench } from '../bench/bench-file.js';
import { DevicePool } from '../bench/pool/pool.js';
import { startTestLab, type TestLab } from '../lab/test-support/lab-db.js';
import { killWorkers, labWorkspace, query, slowSuite, startWorker } from '../lab/test-support/lab-cli.js';
import { poshil } from './test-support/cli.js';

let lab: TestLab;
let bench: string;
let suites: string;

// A test that fails midway must not leave its workers to take the next test's jobs.
afterEach(killWorkers);

beforeAll(async () => {
  lab = await startTestLab();
  ({ bench, suites } = labWorkspace(lab.home, 3));
});

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface LeaseRow {
  device_id: string;
  acquired_at: Date;
  released_at: Date | null;
}

describe('poshil lab under failure', () => {
  it('never lets two workers hold one device: twelve --any jobs, two workers with the same bench', async () => {
    // As on two hosts, each with its own lab folder: no device lock in common, the database alone referees.
    const a = startWorker({ dir: lab.dir, bench, name: 'race-a', cwd: lab.home, extra: ['--lab', join(lab.home, 'host-a')] });
    const b = startWorker({ dir: lab.dir, bench, name: 'race-b', cwd: lab.home, extra: ['--lab', join(lab.home, 'host-b')] });
    await Promise.all([a.waitFor(/registered/), b.waitFor(/registered/)]);
    const submissions = await Promise.all(Array.from({ length: 12 }, () => poshil(['lab', 'submit', '--dir', lab.dir, `${suites}/smoke.suite.yaml`, '--select', 'model=p3', '--any', '--wait'], { cwd: lab.home, timeout: 120_000 })));
    for (const s of submissions) expect(s.exitCode, s.stdout + s.stderr).toBe(0);
    const leases = await query<LeaseRow>(lab.url, 'SELECT device_id, acquired_at, released_at FROM lab.leases ORDER BY device_id, acquired_at');
    expect(leases).toHaveLength(12);
    for (let i = 1; i < leases.length; i++) {
      const [before, after] = [leases[i - 1]!, leases[i]!];
      if (before.device_id === after.device_id) expect(after.acquired_at.getTime()).toBeGreaterThanOrEqual(before.released_at!.getTime());
    }
    // Both workers took jobs: the race was real.
    const byWorker = await query<{ name: string }>(lab.url, 'SELECT DISTINCT w.name FROM lab.runs r JOIN lab.workers w ON w.id = r.worker_id');
    expect(byWorker.map((w) => w.name).sort()).toEqual(['race-a', 'race-b']);
    // The worker the devices are listed under stops: they are the other's at its next heartbeat, not shown offline.
    const owners = async () => (await query<{ name: string }>(lab.url, 'SELECT DISTINCT w.name FROM lab.devices d JOIN lab.workers w ON w.id = d.worker_id')).map((o) => o.name).join();
    const [stopping, staying] = (await owners()) === 'race-a' ? [a, b] : [b, a];
    stopping.process.kill('SIGINT');
    await stopping.process;
    await until(async () => (await owners()) === (staying === a ? 'race-a' : 'race-b'));
    const status = await poshil(['lab', 'status', '--dir', lab.dir], { cwd: lab.home });
    expect(status.stdout).not.toMatch(/offline/);
    staying.process.kill('SIGINT');
    await staying.process;
  }, 180_000);

  it('gives no job to a device that another run on its host has locked, until that run lets go', async () => {
    const device = loadBench(bench).devices[2]!;
    const local = await new DevicePool(loadBench(bench), join(lab.home, 'host-c')).lease(device.name, 'local-run', { waitMs: 0 });
    if (!local.leased) throw new Error('not leased');
    const worker = startWorker({ dir: lab.dir, bench, name: 'polite', cwd: lab.home, extra: ['--lab', join(lab.home, 'host-c')] });
    await worker.waitFor(/registered/);
    const submitted = await poshil(['lab', 'submit', '--dir', lab.dir, `${suites}/smoke.suite.yaml`, '--select', `site=${device.labels['site']}`, '--any', '--json'], { cwd: lab.home });
    expect(submitted.exitCode, submitted.stderr).toBe(0);
    const jobId = (JSON.parse(submitted.stdout) as { jobs: { id: string }[] }).jobs[0]!.id;
    await worker.waitFor(new RegExp(`${device.name}: takes no jobs while device ${device.name} is locked by pid ${process.pid} .*local-run`));
    // A few polls later the job still waits, its attempts untouched.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await query(lab.url, 'SELECT state, attempts FROM lab.jobs WHERE id = $1', [jobId])).toEqual([{ state: 'queued', attempts: 0 }]);
    await local.lock.release();
    await worker.waitFor(new RegExp(`job ${jobId}: PASS \\(exit 0\\) recorded`));
    // While it runs, the worker keeps the device's lock, under its own name.
    const state = await new DevicePool(loadBench(bench), join(lab.home, 'host-c')).locks.inspect(device.lockKey);
    expect(state.holder).toMatchObject({ runId: 'lab worker polite', device: device.name });
    worker.process.kill('SIGINT');
    await worker.process;
    expect((await new DevicePool(loadBench(bench), join(lab.home, 'host-c')).locks.inspect(device.lockKey)).held).toBe(false);
  }, 120_000);

  it('retries the job of a worker killed with SIGKILL on another worker and keeps its partial run as crashed', async () => {
    const slow = slowSuite(suites, 6);
    const doomed = startWorker({ dir: lab.dir, bench, name: 'doomed', cwd: lab.home });
    await doomed.waitFor(/registered/);
    const waiting = poshil(['lab', 'submit', '--dir', lab.dir, slow, '--select', 'site=store-1', '--any', '--wait'], { cwd: lab.home, timeout: 120_000 });
    await doomed.waitFor(/PASS\s+slow\/quick/);
    // Killed once its first case is in the database, in the middle of the second.
    await until(async () => (await query(lab.url, "SELECT 1 FROM lab.case_results c JOIN lab.runs r ON r.id = c.run_id WHERE r.state = 'running'")).length > 0);
    doomed.process.kill('SIGKILL');
    await doomed.process;
    const rescuer = startWorker({ dir: lab.dir, bench, name: 'rescuer', cwd: lab.home });
    const submitted = await waiting;
    expect(submitted.exitCode, submitted.stdout + rescuer.output()).toBe(0);
    const runs = await query<{ worker: string; state: string; attempt: number; cases: string }>(
      lab.url,
      `SELECT w.name AS worker, r.state, r.attempt, (SELECT count(*) FROM lab.case_results c WHERE c.run_id = r.id) AS cases
         FROM lab.runs r JOIN lab.workers w ON w.id = r.worker_id JOIN lab.jobs j ON j.id = r.job_id
         JOIN lab.submissions s ON s.id = j.submission_id WHERE s.suites[1] LIKE '%slow%' ORDER BY r.attempt`,
    );
    expect(runs.map((r) => [r.worker, r.state, r.attempt, Number(r.cases)])).toEqual([
      ['doomed', 'crashed', 1, 1],
      ['rescuer', 'finished', 2, 2],
    ]);
    // The crashed run still says what it ran and on what, for the panel and the history.
    const [crashed] = await query<{ suites: string[]; firmware: string | null; site: string | null; model: string | null }>(lab.url, "SELECT suites, firmware, site, model FROM lab.runs WHERE state = 'crashed'");
    expect(crashed!.suites).toEqual(['slow']);
    expect(crashed!.site).toBe('store-1');
    expect(crashed!.firmware).toMatch(/^(1\.4\.2|2\.0)$/);
    expect(crashed!.model).toBeTruthy();
    rescuer.process.kill('SIGINT');
    await rescuer.process;
  }, 180_000);

  it('keeps running a job while the database restarts, and records its result once', async () => {
    const slow = slowSuite(suites, 5);
    const worker = startWorker({ dir: lab.dir, bench, name: 'steady', cwd: lab.home });
    await worker.waitFor(/registered/);
    const submitted = await poshil(['lab', 'submit', '--dir', lab.dir, slow, '--select', 'site=store-2', '--any', '--json'], { cwd: lab.home });
    expect(submitted.exitCode, submitted.stderr).toBe(0);
    const jobId = (JSON.parse(submitted.stdout) as { jobs: { id: string }[] }).jobs[0]!.id;
    await worker.waitFor(/PASS\s+slow\/quick/);
    await lab.stop();
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    // The run ended while the database was away: its result waits in the outbox.
    expect(worker.output()).toMatch(/kept in the outbox/);
    // Said once, not at every poll of the outage.
    expect(worker.output().match(/kept in the outbox/g)).toHaveLength(1);
    await lab.start();
    await worker.waitFor(new RegExp(`job ${jobId}: PASS \\(exit 0\\) recorded`), 60_000);
    // Polls during the outage (one each 2 s at most) said it once, and its end once.
    const unable = worker.output().match(/cannot take jobs now: (.*) \(said again/g) ?? [];
    expect(new Set(unable).size).toBe(unable.length);
    if (unable.length > 0) await worker.waitFor(/taking jobs again/);
    const runs = await query<{ state: string; cases: string }>(lab.url, 'SELECT r.state, (SELECT count(*) FROM lab.case_results c WHERE c.run_id = r.id) AS cases FROM lab.runs r WHERE r.job_id = $1', [jobId]);
    expect(runs).toEqual([{ state: 'finished', cases: '2' }]);
    const job = await query<{ state: string }>(lab.url, 'SELECT state FROM lab.jobs WHERE id = $1', [jobId]);
    expect(job[0]!.state).toBe('passed');
    worker.process.kill('SIGINT');
    await worker.process;
  }, 180_000);

  it('submit --wait ends with exit 3 and a plain message when the database stays away, not a stack trace', async () => {
    // A registered device whose worker is gone: the job waits in the queue.
    const worker = startWorker({ dir: lab.dir, bench, name: 'gone', cwd: lab.home });
    await worker.waitFor(/registered/);
    worker.process.kill('SIGINT');
    await worker.process;
    const queued = async () => Number((await query<{ n: string }>(lab.url, "SELECT count(*) AS n FROM lab.jobs WHERE state = 'queued'"))[0]!.n);
    const before = await queued();
    // Ctrl-C stops the waiting and says the job stays queued.
    const interrupted = poshil(['lab', 'submit', '--dir', lab.dir, `${suites}/smoke.suite.yaml`, '--select', 'site=store-3', '--any', '--wait'], { cwd: lab.home, timeout: 60_000 });
    // Once it says it submitted (the job is queued then, and Ctrl-C means stop waiting).
    let said = '';
    interrupted.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
    await until(async () => said.includes('submitted'));
    expect(await queued()).toBe(before + 1);
    interrupted.kill('SIGINT');
    const stopped = await interrupted;
    expect(stopped.exitCode).toBe(130);
    expect(stopped.stderr).toMatch(/stopped waiting; the jobs of submission \S+ stay queued and run/);
    const waiting = poshil(['lab', 'submit', '--dir', lab.dir, `${suites}/smoke.suite.yaml`, '--select', 'site=store-3', '--any', '--wait', '--database-outage', '2s'], { cwd: lab.home, timeout: 60_000 });
    await until(async () => (await queued()) > before + 1);
    await lab.stop();
    try {
      const result = await waiting;
      expect(result.exitCode, result.stderr).toBe(3);
      expect(result.stdout).toMatch(/the lab database does not answer \(.*\); its jobs go on, waiting up to 2 s for it/);
      expect(result.stderr).toMatch(/lost the lab database while waiting for submission \S+: .* \[E_LAB_DATABASE\]/);
      expect(result.stderr).not.toMatch(/node:events|at .*\.js:\d+/);
    } finally {
      await lab.start();
    }
  }, 120_000);
});
