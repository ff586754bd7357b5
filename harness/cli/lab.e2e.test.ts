/**
 * The lab end to end: a real PostgreSQL (embedded, one per test file), worker processes of the
 * built CLI with simulated benches, and submissions through `poshil lab submit`.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestLab, type TestLab } from '../lab/test-support/lab-db.js';
import { labWorkspace, query, startWorker } from '../lab/test-support/lab-cli.js';
import { poshil } from './test-support/cli.js';

let lab: TestLab;
let bench: string;
let suites: string;

beforeAll(async () => {
  lab = await startTestLab();
  ({ bench, suites } = labWorkspace(lab.home, 3));
});

describe('poshil lab', () => {
  it('runs an --each submission on every matching device and keeps cases and evidence in the database', async () => {
    const worker = startWorker({ dir: lab.dir, bench, name: 'host-a', cwd: lab.home });
    await worker.waitFor(/registered 3 device/);
    const submitted = await poshil(['lab', 'submit', '--dir', lab.dir, `${suites}/smoke.suite.yaml`, '--select', 'model=p3,firmware=2.0', '--each', '--wait'], { cwd: lab.home });
    expect(submitted.stderr).toBe('');
    expect(submitted.exitCode).toBe(0);
    expect(submitted.stdout).toMatch(/2 job\(s\)/);
    expect(submitted.stdout.match(/PASSED/g)).toHaveLength(2);

    const runs = await query<{ id: string; device_id: string; state: string; outcome: string; exit_code: number; firmware: string }>(lab.url, 'SELECT id, device_id, state, outcome, exit_code, firmware FROM lab.runs ORDER BY device_id');
    expect(runs.map((r) => [r.device_id, r.state, r.outcome, r.exit_code])).toEqual([
      ['lab-a/t1', 'finished', 'PASS', 0],
      ['lab-a/t3', 'finished', 'PASS', 0],
    ]);
    const cases = await query<{ n: string }>(lab.url, 'SELECT count(*) AS n FROM lab.case_results WHERE run_id = $1', [runs[0]!.id]);
    expect(Number(cases[0]!.n)).toBe(3);
    // Each artefact's bytes hash to the name they are stored under.
    const files = await query<{ name: string; sha256: string; data: Buffer }>(lab.url, 'SELECT ra.name, a.sha256, a.data FROM lab.run_artefacts ra JOIN lab.artefacts a USING (sha256) WHERE ra.run_id = $1', [runs[0]!.id]);
    const names = files.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['record.json', 'junit.xml', 't1/record.json', 't1/junit.xml', 't1/report.html']));
    expect(names.some((n) => n.startsWith('t1/transcript'))).toBe(true);
    for (const file of files) expect(createHash('sha256').update(file.data).digest('hex')).toBe(file.sha256);
    // The device's own record names the lab job, attempt, lease and worker host it was.
    const record = JSON.parse(files.find((f) => f.name === 't1/record.json')!.data.toString('utf8')) as { lab?: Record<string, unknown> };
    expect(record.lab).toMatchObject({ runId: runs[0]!.id, attempt: 1, worker: 'host-a', jobId: expect.any(String), leaseId: expect.any(String) });

    const leases = await query<{ open: string }>(lab.url, 'SELECT count(*) FILTER (WHERE released_at IS NULL) AS open FROM lab.leases');
    expect(Number(leases[0]!.open)).toBe(0);

    const results = await poshil(['lab', 'results', '--dir', lab.dir, '--by', 'firmware', '--json'], { cwd: lab.home });
    expect(results.exitCode).toBe(0);
    expect(JSON.parse(results.stdout)).toEqual([expect.objectContaining({ group: expect.any(String), runs: 2, cases: 6, passed: 6, passRate: 100 })]);
    worker.process.kill('SIGINT');
    const ended = await worker.process;
    expect(ended.exitCode).toBe(130);
  }, 120_000);

  it('refuses a selection no registered device can match, naming the labels that exist', async () => {
    const result = await poshil(['lab', 'submit', '--dir', lab.dir, `${suites}/smoke.suite.yaml`, '--select', 'model=t9'], { cwd: lab.home });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/no registered device matches --select model=t9/);
    expect(result.stderr).toMatch(/model=p3/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a malformed suite before anything is queued, naming the file and pointer', async () => {
    const before = await query<{ n: string }>(lab.url, 'SELECT count(*) AS n FROM lab.jobs');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${suites}/broken.suite.yaml`, 'suite: broken\ncases:\n  - id: x\n    steps:\n      - do: 42\n');
    const result = await poshil(['lab', 'submit', '--dir', lab.dir, `${suites}/broken.suite.yaml`, '--any'], { cwd: lab.home });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/broken\.suite\.yaml/);
    expect(result.stderr).toMatch(/\/cases\/0\/steps\/0/);
    const after = await query<{ n: string }>(lab.url, 'SELECT count(*) AS n FROM lab.jobs');
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('names an unreachable database with its password masked, exit 3', async () => {
    const result = await poshil(['lab', 'status', '--database', 'postgres://lab:s3cret-pw@127.0.0.1:1/poshil'], { cwd: lab.home });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/cannot reach the lab database lab@127\.0\.0\.1:1\/poshil/);
    expect(result.stderr + result.stdout).not.toMatch(/s3cret-pw/);
  });
});
