/**
 * `lab compare` against a real lab database: runs under two firmware versions, case by case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLabDatabase, type LabDatabase } from './db/connect.js';
import { SEED_SUBMISSION, SEED_WORKER, seedLab, startTestLab, type TestLab } from './test-support/lab-db.js';
import { firmwareWithResults, formatCompare, labCompare, labResults } from './results.js';

const WORKER = SEED_WORKER;
let lab: TestLab;
let db: LabDatabase;
let runs = 0;

/** A finished run ending under `firmware` with one result per case: [case id, outcome, the firmware the case began on]. */
async function run(firmware: string, cases: [string, string, string?][], state = 'finished'): Promise<void> {
  const n = String(++runs).padStart(12, '0');
  const [job, id] = [`00000000-0000-4000-8000-${n.replace(/^0/, 'd')}`, `00000000-0000-4000-8000-${n.replace(/^0/, 'e')}`];
  await db.pool.query(`INSERT INTO lab.jobs (id, submission_id, queue, state) VALUES ($1, '${SEED_SUBMISSION}', 'q', 'passed')`, [job]);
  await db.pool.query(`INSERT INTO lab.runs (id, job_id, attempt, worker_id, device_id, state, firmware) VALUES ($1, $2, 1, $3, 'b/t1', $5, $4)`, [id, job, WORKER, firmware, state]);
  for (const [seq, [caseId, outcome, caseFirmware]] of cases.entries()) {
    await db.pool.query(`INSERT INTO lab.case_results (run_id, seq, suite, case_id, outcome, duration_ms, firmware) VALUES ($1, $2, 's', $3, $4, 1, $5)`, [id, seq + 1, caseId, outcome, caseFirmware ?? null]);
  }
}

beforeAll(async () => {
  lab = await startTestLab();
  db = await openLabDatabase(lab.url, 'poshil-test');
  await seedLab(db.pool);
  // `steady` passes under both; `broken` breaks under 2.1; `dropped` was never run under 2.1, `added` never under 2.0.
  for (let i = 0; i < 10; i++) await run('2.0', [['steady', 'PASS'], ['broken', 'PASS'], ['dropped', 'PASS']]);
  for (let i = 0; i < 10; i++) await run('2.1', [['steady', 'PASS'], ['broken', 'FAIL'], ['added', 'PASS']]);
});
afterAll(async () => {
  await db?.pool.end();
});

describe('lab compare', () => {
  it('calls a significant change better or worse, and a case run under one firmware only neither', async () => {
    const changes = await labCompare(db.pool, '2.0', '2.1');
    const verdicts = Object.fromEntries(changes.map((c) => [c.caseId, c.verdict]));
    expect(verdicts).toEqual({ steady: 'same', broken: 'worse', dropped: 'only-a', added: 'only-b' });
    const text = formatCompare(changes, '2.0', '2.1');
    expect(text).toMatch(/ONLY A s\/dropped +10\/10, not run under 2\.1/);
    expect(text).toMatch(/ONLY B s\/added +not run under 2\.0, 10\/10/);
    expect(text).toContain('1 worse, 0 better, 1 without a significant change, 2 run under one firmware only (not compared)');
  });

  it('counts each case of a run that upgraded the terminal under the firmware it ran on', async () => {
    await run('2.1', [['before-upgrade', 'FAIL', '1.9'], ['after-upgrade', 'PASS', '2.1']]);
    const byFirmware = Object.fromEntries((await labResults(db.pool, { by: 'firmware' })).map((g) => [g.group, [g.runs, g.cases, g.passed]]));
    expect(byFirmware).toEqual({ '1.9': [1, 1, 0], '2.0': [10, 30, 30], '2.1': [11, 31, 21] });
    expect(await firmwareWithResults(db.pool)).toEqual(['1.9', '2.0', '2.1']);
    const verdicts = Object.fromEntries((await labCompare(db.pool, '1.9', '2.1')).map((c) => [c.caseId, c.verdict]));
    expect(verdicts['before-upgrade']).toBe('only-a');
    expect(verdicts['after-upgrade']).toBe('only-b');
  });

  it("counts the cases a crashed run uploaded before its worker died, and nothing of a run still going", async () => {
    await run('2.2', [['steady', 'PASS'], ['broken', 'FAIL']], 'crashed');
    await run('2.2', [['steady', 'PASS']], 'running');
    const byFirmware = Object.fromEntries((await labResults(db.pool, { by: 'firmware', firmware: '2.2' })).map((g) => [g.group, [g.runs, g.cases, g.passed]]));
    expect(byFirmware).toEqual({ '2.2': [1, 2, 1] });
  });
});
