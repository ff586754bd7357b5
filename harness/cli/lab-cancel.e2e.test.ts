/**
 * `poshil lab cancel` on a real PostgreSQL: queued jobs withdrawn (in lab.jobs and pg-boss) are
 * never taken by a worker, a `--wait` following them ends with 130, a running job is left to end,
 * a role cancels only what it submitted, and a campaign ended by cancelling is told to its webhook.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../lab/notify/test-support/receiver.js';
import { startTestLab, type TestLab } from '../lab/test-support/lab-db.js';
import { killWorkers, labWorkspace, query, slowSuite, startWorker } from '../lab/test-support/lab-cli.js';
import { poshil } from './test-support/cli.js';

let lab: TestLab;
let bench: string;
let suites: string;
let receiver: Receiver;
const urls: Record<string, string> = {};
const campaigns = () => receiver.received.map((r) => JSON.parse(r.body) as { kind: string; submissionId?: string; counts?: unknown }).filter((b) => b.kind === 'campaign-finished');

afterEach(killWorkers);
afterAll(async () => receiver?.close());

beforeAll(async () => {
  lab = await startTestLab();
  ({ bench, suites } = labWorkspace(lab.home, 2));
  receiver = await startReceiver(() => ({ status: 200 }));
  expect((await poshil(['lab', 'webhook', 'add', 'ops', `${receiver.base}/hook`, '--dir', lab.dir], { cwd: lab.home })).exitCode).toBe(0);
  for (const [name, kind] of [['ci', 'submitter'], ['other', 'submitter']] as const) {
    const made = await poshil(['lab', 'role', 'add', name, '--kind', kind, '--dir', lab.dir], { cwd: lab.home });
    expect(made.exitCode, made.stderr).toBe(0);
    urls[name] = readFileSync(join(lab.dir, 'roles', `${name}.env`), 'utf8').trim().replace(/^POSHIL_DATABASE_URL=/, '');
  }
  // The devices are registered once, then their worker stops: what is submitted now waits.
  const worker = startWorker({ dir: lab.dir, bench, name: 'host-a', cwd: lab.home });
  await worker.waitFor(/registered 2 device/);
  worker.process.kill('SIGINT');
  await worker.process;
}, 60_000);

describe('poshil lab cancel', () => {
  it('withdraws a queued campaign: its --wait ends with 130, and no worker ever takes its jobs', async () => {
    const submitted = await poshil(['lab', 'submit', `${suites}/smoke.suite.yaml`, '--each', '--json', '--database', urls['ci']!], { cwd: lab.home });
    expect(submitted.exitCode, submitted.stderr).toBe(0);
    const { id, jobs } = JSON.parse(submitted.stdout) as { id: string; jobs: { id: string }[] };
    expect(jobs).toHaveLength(2);

    // Another submitter may not withdraw ci's jobs: nothing changes, exit 2.
    const refused = await poshil(['lab', 'cancel', id, '--database', urls['other']!], { cwd: lab.home });
    expect(refused.exitCode, refused.stdout + refused.stderr).toBe(2);
    expect(refused.stdout).toContain('not cancelled, submitted by ci');
    // A typo among the ids cancels nothing.
    const typo = await poshil(['lab', 'cancel', id, '00000000-0000-4000-8000-00000000dead', '--database', urls['ci']!], { cwd: lab.home });
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toMatch(/no job or submission 00000000-0000-4000-8000-00000000dead in this lab; nothing was cancelled \[E_NOT_FOUND\]/);
    expect(await query(lab.url, "SELECT id FROM lab.jobs WHERE submission_id = $1 AND state = 'queued'", [id])).toHaveLength(2);

    const following = poshil(['lab', 'submit', '--dir', lab.dir, `${suites}/smoke.suite.yaml`, '--any', '--wait'], { cwd: lab.home });
    const anyJob = async () => (await query<{ id: string }>(lab.url, "SELECT id FROM lab.submissions WHERE mode = 'any'"))[0]?.id;
    await expect.poll(anyJob, { timeout: 30_000, interval: 100 }).toBeDefined();
    const both = await poshil(['lab', 'cancel', id, (await anyJob())!, '--dir', lab.dir], { cwd: lab.home });
    expect(both.exitCode, both.stdout + both.stderr).toBe(0);
    expect(both.stdout).toMatch(/CANCELLED job [0-9a-f-]{36} on lab-a\/t1\n/);
    expect(both.stdout).toContain('cancelled 3 of 3 job(s)');
    const followed = await following;
    expect(followed.exitCode, followed.stdout + followed.stderr).toBe(130);
    expect(followed.stdout).toMatch(/CANCELLED job [0-9a-f-]{36} on \(no device\)/);
    const queue = await query<{ state: string }>(lab.url, 'SELECT b.state::text FROM pgboss.job b JOIN lab.jobs j ON j.id = b.id WHERE j.submission_id = $1', [id]);
    expect(queue).toEqual([{ state: 'cancelled' }, { state: 'cancelled' }]);

    // A worker coming back takes the jobs submitted after the cancelled ones, and only those.
    const worker = startWorker({ dir: lab.dir, bench, name: 'host-a', cwd: lab.home });
    const later = await poshil(['lab', 'submit', '--dir', lab.dir, `${suites}/smoke.suite.yaml`, '--any', '--wait'], { cwd: lab.home, timeout: 60_000 });
    expect(later.exitCode, later.stdout + worker.output()).toBe(0);
    const runs = await query<{ n: string }>(lab.url, 'SELECT count(*) AS n FROM lab.runs r JOIN lab.jobs j ON j.id = r.job_id WHERE j.state = $1', ['cancelled']);
    expect(runs).toEqual([{ n: '0' }]);
    // A campaign cancelled whole tells nobody anything: the worker's reaper runs every 500 ms here (--heartbeat 500ms).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(campaigns().filter((c) => c.submissionId === id)).toEqual([]);
    worker.process.kill('SIGINT');
    await worker.process;
  }, 120_000);

  it('tells the end of a campaign whose last job was cancelled after the others ran, once', async () => {
    const slow = slowSuite(suites, 5);
    const worker = startWorker({ dir: lab.dir, bench, name: 'host-a', cwd: lab.home });
    await worker.waitFor(/registered/);
    // t1 is busy with a slow job, so the campaign's job for t1 waits while t2's runs and passes.
    const busy = JSON.parse((await poshil(['lab', 'submit', slow, '--select', 'site=store-1', '--any', '--json', '--dir', lab.dir], { cwd: lab.home })).stdout) as { id: string };
    await worker.waitFor(/PASS\s+slow\/quick/);
    const submitted = await poshil(['lab', 'submit', `${suites}/smoke.suite.yaml`, '--each', '--json', '--dir', lab.dir], { cwd: lab.home });
    const { id } = JSON.parse(submitted.stdout) as { id: string };
    await expect.poll(async () => (await query(lab.url, "SELECT id FROM lab.jobs WHERE submission_id = $1 AND state = 'passed'", [id])).length, { timeout: 30_000, interval: 100 }).toBe(1);
    const cancelled = await poshil(['lab', 'cancel', id, '--dir', lab.dir], { cwd: lab.home });
    expect(cancelled.stdout).toContain('cancelled 1 of 2 job(s)');
    await expect.poll(() => campaigns().filter((c) => c.submissionId === id).length, { timeout: 15_000, interval: 100 }).toBe(1);
    expect(campaigns().find((c) => c.submissionId === id)).toMatchObject({ counts: { passed: 1, failed: 0, cancelled: 1 } });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(campaigns().filter((c) => c.submissionId === id)).toHaveLength(1);
    // The slow job ends before its worker stops: nothing of this test is left for the next.
    await expect.poll(async () => (await query(lab.url, "SELECT id FROM lab.jobs WHERE submission_id = $1 AND state = 'passed'", [busy.id])).length, { timeout: 30_000, interval: 200 }).toBe(1);
    worker.process.kill('SIGINT');
    await worker.process;
  }, 120_000);

  it('leaves a running job to end on its own, and says so (exit 1)', async () => {
    const slow = slowSuite(suites, 4);
    const worker = startWorker({ dir: lab.dir, bench, name: 'host-a', cwd: lab.home });
    await worker.waitFor(/registered/);
    const submitted = await poshil(['lab', 'submit', slow, '--select', 'site=store-1', '--any', '--json', '--dir', lab.dir], { cwd: lab.home });
    const { jobs } = JSON.parse(submitted.stdout) as { jobs: { id: string }[] };
    await worker.waitFor(/PASS\s+slow\/quick/);
    const cancel = await poshil(['lab', 'cancel', jobs[0]!.id, '--dir', lab.dir], { cwd: lab.home });
    expect(cancel.exitCode, cancel.stdout + cancel.stderr).toBe(1);
    expect(cancel.stdout).toContain(`RUNNING   job ${jobs[0]!.id} on lab-a/t1: not cancelled, a worker is running it and it ends on its own`);
    await expect.poll(async () => (await query<{ state: string }>(lab.url, 'SELECT state FROM lab.jobs WHERE id = $1', [jobs[0]!.id]))[0]!.state, { timeout: 30_000, interval: 250 }).toBe('passed');
    const again = await poshil(['lab', 'cancel', jobs[0]!.id, '--dir', lab.dir, '--json'], { cwd: lab.home });
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual([expect.objectContaining({ job: jobs[0]!.id, state: 'passed', cancelled: false })]);
    worker.process.kill('SIGINT');
    await worker.process;
  }, 120_000);
});
