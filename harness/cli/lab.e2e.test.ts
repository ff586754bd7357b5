/**
 * The lab end to end: a real PostgreSQL (embedded, one per test file), worker processes of the
 * built CLI with simulated benches, and submissions through `poshil lab submit`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestLab, type TestLab } from '../lab/test-support/lab-db.js';
import { killWorkers, labWorkspace, query, startWorker } from '../lab/test-support/lab-cli.js';
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
    expect(names).toEqual(expect.arrayContaining(['record.json', 't1/record.json', 't1/junit.xml', 't1/report.html']));
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
    // Comparing with a firmware the lab never ran is refused, naming the ones it did.
    const firmware = (await query<{ firmware: string }>(lab.url, 'SELECT DISTINCT firmware FROM lab.runs'))[0]!.firmware;
    const compared = await poshil(['lab', 'compare', '--firmware', firmware, '--firmware', '9.9.9', '--dir', lab.dir], { cwd: lab.home });
    expect(compared.exitCode).toBe(2);
    expect(compared.stderr).toContain('the lab has no results for firmware 9.9.9');
    expect(compared.stderr).toContain(`firmware with results: ${firmware}`);
    worker.process.kill('SIGINT');
    const ended = await worker.process;
    expect(ended.exitCode).toBe(130);
  }, 120_000);

  it('judges a plan job by its plan and signs its certificate, naming the job, lease and worker host', async () => {
    const keys = await poshil(['keygen', '--out', join(lab.home, 'keys', 'lab')], { cwd: lab.home });
    expect(keys.exitCode, keys.stderr).toBe(0);
    const work = join(lab.home, 'work-signer');
    const worker = startWorker({ dir: lab.dir, bench, name: 'signer', cwd: lab.home, extra: ['--key', join(lab.home, 'keys', 'lab.key'), '--lab-name', 'Bench 7', '--work', work] });
    await worker.waitFor(/registered 3 device/);
    const plan = join(suites, 'smoke.plan.yaml');
    writeFileSync(plan, 'plan: smoke-check\nversion: "1"\nsuites:\n  - suite: smoke.suite.yaml\n');
    const submitted = await poshil(['lab', 'submit', '--dir', lab.dir, '--plan', plan, '--select', 'site=store-2', '--any', '--wait', '--json'], { cwd: lab.home });
    expect(submitted.exitCode, submitted.stdout + submitted.stderr + worker.output()).toBe(0);
    // With --json, stdout is the JSON alone (the progress went to stderr).
    const job = (JSON.parse(submitted.stdout) as { jobs: { id: string; runId: string }[] }).jobs[0]!;
    expect(submitted.stderr).toMatch(/PASSED\s+job/);
    const [bundleDir] = await query<{ dir: string }>(lab.url, "SELECT summary->>'benchRunId' AS dir FROM lab.runs WHERE id = $1", [job.runId]);
    const deviceDir = join(work, 'runs', bundleDir!.dir, 't2');
    const verdict = JSON.parse(readFileSync(join(deviceDir, 'verdict.json'), 'utf8')) as { verdict: string; job: Record<string, unknown> };
    expect(verdict).toMatchObject({ verdict: 'CERTIFIED', job: { jobId: job.id, worker: 'signer', attempt: 1 } });
    expect(readFileSync(join(deviceDir, 'junit.xml'), 'utf8')).toContain('<testcase classname="poshil.plan" name="smoke-check 1"');
    const certificate = JSON.parse(readFileSync(join(deviceDir, 'certificate.json'), 'utf8')) as { lab: unknown; job: Record<string, unknown> };
    expect(certificate.lab).toEqual({ name: 'Bench 7', tester: expect.stringMatching(/^poshil lab worker signer on /) });
    expect(certificate.job).toMatchObject({ id: job.id, attempt: 1, worker: 'signer', lease: expect.any(String), host: expect.any(String) });
    const verified = await poshil(['verify', deviceDir, '--key', join(lab.home, 'keys', 'lab.pub')], { cwd: lab.home });
    expect(verified.exitCode, verified.stdout + verified.stderr).toBe(0);
    // The signed bundle went up to the database with the rest of the evidence.
    const names = await query<{ name: string }>(lab.url, 'SELECT name FROM lab.run_artefacts WHERE run_id = $1', [job.runId]);
    expect(names.map((n) => n.name)).toEqual(expect.arrayContaining(['t2/certificate.json', 't2/manifest.json', 't2/verdict.json']));
    // Fetched back from the database on any host, the signed bundle still verifies.
    const fetched = join(lab.home, 'fetched');
    const exported = await poshil(['lab', 'evidence', job.runId, '--out', fetched, '--dir', lab.dir], { cwd: lab.home });
    expect(exported.exitCode, exported.stderr).toBe(0);
    const again = await poshil(['verify', join(fetched, 't2'), '--key', join(lab.home, 'keys', 'lab.pub')], { cwd: lab.home });
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    // Not into a folder that holds files already: they would pass for this run's evidence.
    const into = await poshil(['lab', 'evidence', job.runId, '--out', fetched, '--dir', lab.dir], { cwd: lab.home });
    expect(into.exitCode).toBe(2);
    expect(into.stderr).toMatch(/fetched is not empty \[E_OUT_NOT_EMPTY\]/);
    // A stored file that fails its check leaves no folder of unchecked files behind.
    const [log] = await query<{ sha256: string; data: Buffer }>(lab.url, "SELECT a.sha256, a.data FROM lab.artefacts a JOIN lab.run_artefacts r ON r.sha256 = a.sha256 WHERE r.run_id = $1 AND r.name = 't2/poshil.log'", [job.runId]);
    await query(lab.url, 'UPDATE lab.artefacts SET data = $2 WHERE sha256 = $1', [log!.sha256, Buffer.from('tampered')]);
    const bad = await poshil(['lab', 'evidence', job.runId, '--out', join(lab.home, 'fetched-bad'), '--dir', lab.dir], { cwd: lab.home });
    expect(bad.exitCode).toBe(3);
    expect(bad.stderr).toContain('t2/poshil.log of run');
    expect(existsSync(join(lab.home, 'fetched-bad'))).toBe(false);
    expect(readdirSync(lab.home).filter((name) => name.includes('.partial-'))).toEqual([]);
    await query(lab.url, 'UPDATE lab.artefacts SET data = $2 WHERE sha256 = $1', [log!.sha256, log!.data]);
    worker.process.kill('SIGINT');
    await worker.process;
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

  it('refuses what cannot answer or cannot work: a compare with no results, a span past any history, a heartbeat longer than its lease', async () => {
    const compared = await poshil(['lab', 'compare', '--firmware', '2.0', '--firmware', '2.1', '--suite', 'nosuch', '--dir', lab.dir, '--json'], { cwd: lab.home });
    expect(compared.exitCode).toBe(2);
    expect(compared.stdout).toBe('');
    expect(compared.stderr).toContain('the lab has no results for firmware 2.0 or 2.1 in suite nosuch');
    const since = await poshil(['lab', 'results', '--since', '99999999999d', '--dir', lab.dir], { cwd: lab.home });
    expect(since.exitCode).toBe(2);
    expect(since.stderr).toMatch(/--since 99999999999d reaches back more than 36500 days \[E_OPTION\]/);
    const worker = await poshil(['lab', 'worker', '--bench', bench, '--lease-ttl', '10s', '--heartbeat', '60s', '--dir', lab.dir], { cwd: lab.home });
    expect(worker.exitCode).toBe(2);
    expect(worker.stderr).toMatch(/--heartbeat 60s is too long for --lease-ttl 10s/);
  });

  it('names an unreachable database with its password masked, exit 3', async () => {
    const result = await poshil(['lab', 'status', '--database', 'postgres://lab:s3cret-pw@127.0.0.1:1/poshil'], { cwd: lab.home });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/cannot reach the lab database lab@127\.0\.0\.1:1\/poshil/);
    expect(result.stderr + result.stdout).not.toMatch(/s3cret-pw/);
    // A Unix socket's folder as libpq names it is a URL too.
    const socket = await poshil(['lab', 'status', '--database', 'postgres://lab:s3cret-pw@/poshil?host=/nonexistent-socket-dir'], { cwd: lab.home });
    expect(socket.exitCode).toBe(3);
    expect(socket.stderr).toMatch(/cannot reach the lab database lab@\/nonexistent-socket-dir:5432\/poshil/);
    expect(socket.stderr + socket.stdout).not.toMatch(/s3cret-pw/);
    // Not a URL at all: refused as input, and never echoed (a parser could show part of it).
    for (const given of ['notaurl:s3cret-pw', 'postgres://lab:s3cret#pw@127.0.0.1:1/poshil', 'mysql://lab:s3cret-pw@127.0.0.1/x']) {
      const bad = await poshil(['lab', 'status', '--database', given], { cwd: lab.home });
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr).toMatch(/--database is not a PostgreSQL URL/);
      expect(bad.stderr + bad.stdout).not.toMatch(/s3cret|cret-pw/);
    }
  });

  it('takes a device deleted from its bench file out of status and selections when its worker starts again', async () => {
    const full = startWorker({ dir: lab.dir, bench, name: 'host-r', cwd: lab.home });
    await full.waitFor(/registered 3 device/);
    full.process.kill('SIGINT');
    await full.process;
    const smaller = join(lab.home, 'lab-a-smaller.bench.yaml');
    writeFileSync(smaller, readFileSync(bench, 'utf8').replace(/  - name: t3\n(    .*\n)*/, ''));
    const again = startWorker({ dir: lab.dir, bench: smaller, name: 'host-r', cwd: lab.home });
    await again.waitFor(/removed from the lab \(no longer on bench lab-a; their runs stay in the history\): t3/);
    const status = await poshil(['lab', 'status', '--dir', lab.dir], { cwd: lab.home });
    expect(status.stdout).toMatch(/lab-a\/t1/);
    expect(status.stdout).not.toMatch(/lab-a\/t3/);
    const submitted = await poshil(['lab', 'submit', '--dir', lab.dir, `${suites}/smoke.suite.yaml`, '--select', 'name=t3'], { cwd: lab.home });
    expect(submitted.exitCode).toBe(2);
    expect(submitted.stderr).toMatch(/no registered device matches --select name=t3/);
    again.process.kill('SIGINT');
    await again.process;
  }, 60_000);
});
