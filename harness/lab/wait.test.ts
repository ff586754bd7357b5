/**
 * `lab submit --wait` against a real lab database: a job no device can take now is waited for
 * out loud, and the wait ends with the job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLabDatabase, type LabDatabase } from './db/connect.js';
import { labStatus } from './status.js';
import { startTestLab, type TestLab } from './test-support/lab-db.js';
import { waitForSubmission } from './wait.js';

const WORKER = '00000000-0000-4000-8000-0000000000a1';
const SUBMISSION = '00000000-0000-4000-8000-0000000000c1';
const JOB = '00000000-0000-4000-8000-0000000000d1';
let lab: TestLab;
let db: LabDatabase;

beforeAll(async () => {
  lab = await startTestLab();
  db = await openLabDatabase(lab.url, 'poshil-test');
  await db.pool.query(`INSERT INTO lab.workers (id, name, host, pid, bench) VALUES ('${WORKER}', 'w1', 'h', 1, 'b')`);
  for (const [name, health, reason] of [['t1', 'quarantined', '3 failed health checks'], ['t2', 'maintenance', 'paper roll out'], ['t3', 'good', '']]) {
    const labels = JSON.stringify({ model: name === 't3' ? 'p4' : 'p3' });
    await db.pool.query(`INSERT INTO lab.devices (id, bench, name, worker_id, address, labels, health, health_reason) VALUES ($1, 'b', $2, $3, 'tcp://127.0.0.1:1', $4, $5, $6)`, [`b/${name}`, name, WORKER, labels, health, reason]);
  }
  await db.pool.query(`INSERT INTO lab.bundles (sha256, files) VALUES ('x', '[]')`);
  await db.pool.query(`INSERT INTO lab.queues (name, selection, labels) VALUES ('sel-p3', 'model=p3', '{"model":["p3"]}')`);
  await db.pool.query(`INSERT INTO lab.submissions (id, mode, selection, bundle_sha256, suites) VALUES ('${SUBMISSION}', 'any', 'model=p3', 'x', '{}')`);
  await db.pool.query(`INSERT INTO lab.jobs (id, submission_id, queue) VALUES ('${JOB}', '${SUBMISSION}', 'sel-p3')`);
});
afterAll(async () => {
  await db?.pool.end();
});

describe('a job no device can take now', () => {
  it('is shown in lab status with the devices that match and why each is out of service', async () => {
    const status = await labStatus(db.pool, 10_000);
    expect(status.queue).toEqual([
      expect.objectContaining({ queue: 'sel-p3', waiting: 1, waitsFor: 'no matching device can take it: b/t1 quarantined (3 failed health checks); b/t2 maintenance (paper roll out)' }),
    ]);
  });

  it("names an --each job's device, with the selection it came from", async () => {
    const each = '00000000-0000-4000-8000-0000000000c2';
    await db.pool.query(`INSERT INTO lab.submissions (id, mode, selection, bundle_sha256, suites) VALUES ('${each}', 'each', 'model=p4', 'x', '{}')`);
    await db.pool.query(`INSERT INTO lab.jobs (id, submission_id, queue, device_id) VALUES ('00000000-0000-4000-8000-0000000000d2', '${each}', 'dev-0a1b2c', 'b/t3')`);
    const status = await labStatus(db.pool, 10_000);
    expect(status.queue.find((q) => q.queue === 'dev-0a1b2c')).toMatchObject({ selection: 'b/t3 (--each model=p4)', waiting: 1 });
    await db.pool.query(`DELETE FROM lab.jobs WHERE submission_id = '${each}'`);
  });

  it('is said while `--wait` waits, once, and the wait ends with the job', async () => {
    const lines: string[] = [];
    const waiting = waitForSubmission(db.pool, SUBMISSION, (line) => lines.push(line), { pollMs: 50, whyEveryMs: 100 });
    await expect.poll(() => lines.length, { timeout: 5_000 }).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(lines).toEqual(['  waiting: 1 job(s) for model=p3: no matching device can take it: b/t1 quarantined (3 failed health checks); b/t2 maintenance (paper roll out)']);
    await db.pool.query(`UPDATE lab.jobs SET state = 'failed' WHERE id = $1`, [JOB]);
    await db.pool.query(`SELECT pg_notify('poshil_job_done', $1)`, [JOB]);
    const ended = await waiting;
    expect(ended.exitCode).toBe(1);
    expect(lines.at(-1)).toBe(`  FAILED    job ${JOB} on (no device)`);
  });

  it('rides out the database restarting, and gives up with exit 3 only after its outage time', async () => {
    await db.pool.query(`UPDATE lab.jobs SET state = 'queued' WHERE id = $1`, [JOB]);
    const lines: string[] = [];
    const waiting = waitForSubmission(db.pool, SUBMISSION, (line) => lines.push(line), { pollMs: 50, whyEveryMs: 60_000, outageMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await lab.stop();
    await expect.poll(() => lines.some((l) => l.includes('the lab database does not answer')), { timeout: 10_000 }).toBe(true);
    await lab.start();
    await expect.poll(() => lines.includes('  the lab database answers again'), { timeout: 20_000 }).toBe(true);
    await db.pool.query(`UPDATE lab.jobs SET state = 'passed' WHERE id = $1`, [JOB]);
    expect((await waiting).exitCode).toBe(0);

    await db.pool.query(`UPDATE lab.jobs SET state = 'queued' WHERE id = $1`, [JOB]);
    const short = waitForSubmission(db.pool, SUBMISSION, () => undefined, { pollMs: 50, whyEveryMs: 60_000, outageMs: 500 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await lab.stop();
    try {
      await expect(short).rejects.toMatchObject({ code: 'E_LAB_DATABASE', exitCode: 3 });
    } finally {
      await lab.start();
    }
  }, 60_000);
});
