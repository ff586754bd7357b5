/**
 * A lab job's operator prompt against a real lab database: answered in the panel, at the worker's
 * terminal (a stand-in TTY), or by nobody in time — and the other side learns who was first.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLabDatabase, type LabDatabase } from '../db/connect.js';
import { SEED_SUBMISSION, SEED_WORKER, seedLab, startTestLab, type TestLab } from '../test-support/lab-db.js';
import { LabPrompts } from './prompts.js';

const WORKER = SEED_WORKER;
const RUN = '00000000-0000-4000-8000-0000000000b1';
let lab: TestLab;
let db: LabDatabase;

beforeAll(async () => {
  lab = await startTestLab();
  db = await openLabDatabase(lab.url, 'poshil-test');
  await seedLab(db.pool);
  await db.pool.query(`INSERT INTO lab.jobs (id, submission_id, queue) VALUES ('00000000-0000-4000-8000-0000000000d1', '${SEED_SUBMISSION}', 'q')`);
  await db.pool.query(`INSERT INTO lab.runs (id, job_id, attempt, worker_id, device_id, state) VALUES ('${RUN}', '00000000-0000-4000-8000-0000000000d1', 1, '${WORKER}', 'b/t1', 'running')`);
});
afterAll(async () => {
  await db?.pool.end();
});

/** A terminal the test types into. */
function terminal(): { input: PassThrough & { isTTY: boolean }; output: PassThrough; shown: () => string } {
  const input = Object.assign(new PassThrough(), { isTTY: true });
  const output = new PassThrough();
  let shown = '';
  output.on('data', (chunk: Buffer) => (shown += chunk.toString()));
  return { input, output, shown: () => shown };
}

async function openPrompt(): Promise<string> {
  for (;;) {
    const { rows } = await db.pool.query<{ id: string }>('SELECT id FROM lab.prompts WHERE answer IS NULL');
    if (rows[0]) return rows[0].id;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('lab prompts', () => {
  it('go on when the panel answers, and tell the terminal who did', async () => {
    const tty = terminal();
    const prompts = new LabPrompts(db.pool, WORKER, tty);
    const notes: string[] = [];
    const driver = prompts.factory(RUN, 'b/t1')({ swipe: 'Swipe card {args.fixture}' }, (text) => notes.push(text));
    const asked = driver.apply('swipe', { fixture: 'visa' }, { timeoutMs: 10_000 });
    const id = await openPrompt();
    await db.pool.query("UPDATE lab.prompts SET answer = 'done', answered_by = 'Ana', answered_via = 'panel', answered_at = now(), note = 'swiped twice' WHERE id = $1", [id]);
    prompts.noticed(id);
    expect(await asked).toMatchObject({ ok: true, result: { confirmedBy: 'Ana', via: 'panel', note: 'swiped twice' } });
    expect(tty.shown()).toContain('OPERATOR: Swipe card visa');
    expect(tty.shown()).toContain('answered in the lab panel by Ana: done');
    expect(notes.join('\n')).toMatch(/: done \(Ana in the panel at .*\), note: swiped twice/);
  });

  it('take the terminal answer when it comes first, and record it as the terminal', async () => {
    const tty = terminal();
    const driver = new LabPrompts(db.pool, WORKER, tty).factory(RUN, 'b/t1')({}, () => {});
    const asked = driver.apply('prompt', { text: 'Open the cover' }, { timeoutMs: 10_000 });
    const id = await openPrompt();
    tty.input.write('s\n');
    expect(await asked).toMatchObject({ ok: false, error: { code: 'OPERATOR_DECLINED' } });
    const { rows } = await db.pool.query('SELECT answer, answered_via, text FROM lab.prompts WHERE id = $1', [id]);
    expect(rows[0]).toEqual({ answer: 'declined', answered_via: 'terminal', text: 'Open the cover' });
  });

  it('end as NO_ANSWER at the time-out, marked expired so that the panel stops offering it', async () => {
    const driver = new LabPrompts(db.pool, WORKER, { input: Object.assign(new PassThrough(), { isTTY: false }), output: new PassThrough() }).factory(RUN, 'b/t1')({}, () => {});
    const asked = driver.apply('paperOut', {}, { timeoutMs: 300 });
    const id = await openPrompt();
    expect(await asked).toMatchObject({ ok: false, error: { code: 'NO_ANSWER' } });
    const { rows } = await db.pool.query('SELECT answer, answered_via FROM lab.prompts WHERE id = $1', [id]);
    expect(rows[0]).toEqual({ answer: 'expired', answered_via: 'timeout' });
  });
});
