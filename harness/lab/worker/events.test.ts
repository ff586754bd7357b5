/**
 * What a finished run tells people, against a real lab database: the job's last attempt only,
 * and why it failed even when every case passed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLabDatabase, type LabDatabase } from '../db/connect.js';
import { SEED_SUBMISSION, seedLab, startTestLab } from '../test-support/lab-db.js';
import { runFailedEvent } from './events.js';
import type { FinishedRun } from './upload.js';

const JOB = '00000000-0000-4000-8000-0000000000d1';
let db: LabDatabase;

beforeAll(async () => {
  const lab = await startTestLab();
  db = await openLabDatabase(lab.url, 'poshil-test');
  await seedLab(db.pool);
  await db.pool.query(`UPDATE lab.submissions SET plan = 'plans/daily-health.plan.yaml' WHERE id = '${SEED_SUBMISSION}'`);
  await db.pool.query(`INSERT INTO lab.jobs (id, submission_id, queue, state) VALUES ($1, '${SEED_SUBMISSION}', 'q', 'running')`, [JOB]);
});
afterAll(async () => {
  await db?.pool.end();
});

function finished(run: Partial<FinishedRun>): FinishedRun {
  return { runId: 'r', jobId: JOB, deviceId: 'b/t1', queue: 'q', leaseId: 'l', attempt: 1, retryLimit: 1, exitCode: 1, outcome: 'FAIL', labels: {}, suites: [], summary: { total: 1, passed: 1 }, endedAt: new Date().toISOString(), cases: [], ...run };
}

describe('runFailedEvent', () => {
  it('says nothing of an attempt whose job is retried, and tells of the last one', async () => {
    const interrupted = { exitCode: 130, summary: { total: 5, passed: 1, error: { message: 'the run was interrupted' } } };
    expect(await runFailedEvent(db.pool, finished({ ...interrupted, attempt: 1 }), 't1')).toBeUndefined();
    expect(await runFailedEvent(db.pool, finished({ ...interrupted, attempt: 2 }), 't1')).toMatchObject({ kind: 'run-failed', firstFailure: 'the run was interrupted' });
  });

  it('gives the plan by its id and the reason it was not met when every case passed', async () => {
    const event = await runFailedEvent(db.pool, finished({ summary: { total: 7, passed: 7, plan: { id: 'daily-health', met: false, reasons: ['firmware 2.0.0 does not match the plan\'s /^1\\.4\\./'] } } }), 't1');
    expect(event).toMatchObject({ plan: 'daily-health', firstFailure: "plan daily-health not met: firmware 2.0.0 does not match the plan's /^1\\.4\\./" });
  });
});
