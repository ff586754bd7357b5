/**
 * The lab's database roles, on a real PostgreSQL: workers running under their own login roles
 * write only their own results (row-level security), a submitter queues, a viewer only reads,
 * and the reaper still frees another worker's device.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestLab, type TestLab } from '../lab/test-support/lab-db.js';
import { killWorkers, labWorkspace, query, slowSuite, startWorker } from '../lab/test-support/lab-cli.js';
import { poshil } from './test-support/cli.js';

let lab: TestLab;
let bench: string;
let suites: string;
const urls: Record<string, string> = {};

// A test that fails midway must not leave its workers to take the next test's jobs.
afterEach(killWorkers);

beforeAll(async () => {
  lab = await startTestLab();
  ({ bench, suites } = labWorkspace(lab.home, 2));
  for (const [name, kind] of [['bench_a', 'worker'], ['bench_b', 'worker'], ['ci', 'submitter'], ['look', 'viewer']] as const) {
    const made = await poshil(['lab', 'role', 'add', name, '--kind', kind, '--dir', lab.dir], { cwd: lab.home });
    expect(made.exitCode, made.stderr).toBe(0);
    const envFile = join(lab.dir, 'roles', `${name}.env`);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    urls[name] = readFileSync(envFile, 'utf8').trim().replace(/^POSHIL_DATABASE_URL=/, '');
    expect(made.stdout).toContain(`${name}:***@`);
    expect(made.stdout).not.toContain(new URL(urls[name]!).password);
  }
});

describe('poshil lab roles', () => {
  it('lets a worker role run what a submitter role queued, and keeps other workers out of its results', async () => {
    const worker = startWorker({ dir: lab.dir, bench, name: 'host-a', cwd: lab.home, extra: ['--database', urls['bench_a']!] });
    await worker.waitFor(/registered 2 device/);
    const submitted = await poshil(['lab', 'submit', `${suites}/smoke.suite.yaml`, '--each', '--wait', '--database', urls['ci']!], { cwd: lab.home });
    expect(submitted.exitCode, submitted.stdout + submitted.stderr + worker.output()).toBe(0);
    const [run] = await query<{ id: string }>(lab.url, 'SELECT id FROM lab.runs LIMIT 1');

    // Another worker's role can neither change nor add to this run's results.
    const changed = await query(urls['bench_b']!, "UPDATE lab.runs SET outcome = 'FAIL' WHERE id = $1 RETURNING id", [run!.id]);
    expect(changed).toEqual([]);
    await expect(query(urls['bench_b']!, "INSERT INTO lab.case_results (run_id, seq, suite, case_id, outcome, duration_ms) VALUES ($1, 99, 'x', 'y', 'PASS', 1)", [run!.id])).rejects.toThrow(/row-level security/);
    // Nor pass for its worker (taking its row's role), add a worker in another role's name, or change a stored file.
    await expect(query(urls['bench_b']!, "UPDATE lab.workers SET db_role = current_user WHERE name = 'host-a'")).rejects.toThrow(/permission denied/);
    await expect(query(urls['bench_b']!, "INSERT INTO lab.workers (id, name, host, pid, bench, db_role) VALUES (gen_random_uuid(), 'evil', 'h', 1, 'b', 'bench_a')")).rejects.toThrow(/row-level security/);
    await expect(query(urls['bench_b']!, "UPDATE lab.artefacts SET data = 'x' WHERE sha256 IN (SELECT sha256 FROM lab.run_artefacts WHERE run_id = $1)", [run!.id])).rejects.toThrow(/permission denied/);
    // A viewer reads results, but queues nothing and never sees webhook URLs.
    expect(await query(urls['look']!, 'SELECT id FROM lab.runs WHERE id = $1', [run!.id])).toHaveLength(1);
    await expect(query(urls['look']!, "INSERT INTO lab.bundles (sha256, files) VALUES ('x', '[]')")).rejects.toThrow(/permission denied/);
    await expect(query(urls['look']!, 'SELECT * FROM lab.webhooks')).rejects.toThrow(/permission denied/);
    // A submitter may only make the lab's own queues.
    await expect(query(urls['ci']!, "SELECT lab.ensure_queue('evil', '{}')")).rejects.toThrow(/not a lab queue name/);
    // Through the CLI, what a role may not do is the user's error (exit 2), not poshil's.
    for (const [role, args] of [
      ['ci', ['webhook', 'list']],
      ['ci', ['schedule', 'add', 'nightly', '--cron', '0 1 * * *', `${suites}/smoke.suite.yaml`]],
      ['look', ['submit', `${suites}/smoke.suite.yaml`, '--any']],
    ] as const) {
      const refused = await poshil(['lab', ...args, '--database', urls[role]!], { cwd: lab.home });
      expect(refused.exitCode, refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(/the lab database refused this to the role it was given: permission denied .*\[E_NOT_ALLOWED\]/);
      expect(refused.stderr).not.toMatch(/internal error|this is a bug/);
    }
    worker.process.kill('SIGINT');
    await worker.process;
  }, 120_000);

  it("frees a killed worker's device from another worker's role, and retries its job there", async () => {
    const slow = slowSuite(suites, 6);
    const doomed = startWorker({ dir: lab.dir, bench, name: 'doomed', cwd: lab.home, extra: ['--database', urls['bench_a']!] });
    await doomed.waitFor(/registered/);
    const waiting = poshil(['lab', 'submit', slow, '--select', 'site=store-1', '--any', '--wait', '--database', urls['ci']!], { cwd: lab.home, timeout: 120_000 });
    await doomed.waitFor(/PASS\s+slow\/quick/);
    doomed.process.kill('SIGKILL');
    await doomed.process;
    const rescuer = startWorker({ dir: lab.dir, bench, name: 'rescuer', cwd: lab.home, extra: ['--database', urls['bench_b']!] });
    const submitted = await waiting;
    expect(submitted.exitCode, submitted.stdout + rescuer.output()).toBe(0);
    const runs = await query<{ worker: string; state: string }>(lab.url, "SELECT w.name AS worker, r.state FROM lab.runs r JOIN lab.workers w ON w.id = r.worker_id WHERE w.name IN ('doomed', 'rescuer') ORDER BY r.attempt");
    expect(runs).toEqual([{ worker: 'doomed', state: 'crashed' }, { worker: 'rescuer', state: 'finished' }]);
    rescuer.process.kill('SIGINT');
    await rescuer.process;
  }, 120_000);
});
