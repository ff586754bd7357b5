/**
 * The lab's clock and its messages: maintenance windows holding back a disruptive plan, a
 * schedule firing through pg-boss's cron, a missed firing found afterwards, and the webhooks a
 * person receives for each (a real HTTP receiver on loopback).
 */
import { writeFileSync } from 'node:fs';
import { packageRoot } from '../core/paths.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../lab/notify/test-support/receiver.js';
import { startTestLab, type TestLab } from '../lab/test-support/lab-db.js';
import { labWorkspace, query, startWorker, type WorkerProcess } from '../lab/test-support/lab-cli.js';
import { poshil } from './test-support/cli.js';

let lab: TestLab;
let suites: string;
let receiver: Receiver;
let worker: WorkerProcess;
/** How the receiver answers; a test may change it for its own messages. */
let answer: (body: Record<string, unknown>, n: number) => { status: number; body: string } = () => ({ status: 200, body: '{}' });

const kinds = () => receiver.received.map((r) => (JSON.parse(r.body) as { kind: string }).kind);
const bodies = (kind: string) => receiver.received.map((r) => JSON.parse(r.body) as Record<string, unknown>).filter((b) => b['kind'] === kind);

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} did not happen within ${timeoutMs} ms\n${worker.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  lab = await startTestLab();
  const made = labWorkspace(lab.home, 2);
  suites = made.suites;
  receiver = await startReceiver((request, n) => answer(JSON.parse(request.body) as Record<string, unknown>, n));
  const added = await poshil(['lab', 'webhook', 'add', 'ops', `${receiver.base}/hook?token=hunter2-secret`, '--dir', lab.dir], { cwd: lab.home });
  expect(added.exitCode, added.stderr).toBe(0);
  expect(added.stdout).not.toMatch(/hunter2/);
  worker = startWorker({ dir: lab.dir, bench: made.bench, name: 'clock', cwd: lab.home, extra: ['--cron-check', '1s', '--missed-after', '1m'] });
  await worker.waitFor(/registered 2 device/);
});

afterAll(async () => {
  await receiver?.close();
});

describe('poshil lab windows, schedules and webhooks', () => {
  it('holds a disruptive plan until its device\'s maintenance window opens', async () => {
    const plan = join(suites, 'upgrade-like.plan.yaml');
    writeFileSync(plan, 'plan: upgrade-like\nversion: "1"\ndisruptive: true\nsuites:\n  - suite: smoke.suite.yaml\n');
    const closed = await poshil(['lab', 'window', 'add', 'store-1', '--cron', '0 3 1 1 *', '--tz', 'Asia/Shanghai', '--duration', '1h', '--dir', lab.dir], { cwd: lab.home });
    expect(closed.exitCode, closed.stderr).toBe(0);
    expect(closed.stdout).toContain('covers site=store-1 (1 registered device now)');
    // A window no device falls under is kept (devices may register later), but said, with the labels there are.
    const typo = await poshil(['lab', 'window', 'add', 'store-9', '--cron', '0 3 * * *', '--duration', '1h', '--dir', lab.dir], { cwd: lab.home });
    expect(typo.stdout).toMatch(/note: no registered device matches it yet; .*site=store-1\|store-2/);
    expect((await poshil(['lab', 'window', 'remove', 'store-9', '--dir', lab.dir], { cwd: lab.home })).exitCode).toBe(0);
    const submitted = await poshil(['lab', 'submit', '--plan', plan, '--select', 'site=store-1', '--each', '--json', '--dir', lab.dir], { cwd: lab.home });
    expect(submitted.exitCode, submitted.stderr).toBe(0);
    expect(submitted.stdout).toMatch(/"queue": "dev-[0-9a-f]{16}-w"/);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const status = await poshil(['lab', 'status', '--dir', lab.dir], { cwd: lab.home });
    expect(status.stdout).toMatch(/1 waiting .*disruptive: waits for window store-1 \(next 01\/01\/\d{4}, 03:00 Asia\/Shanghai/);
    const jobs = await query<{ state: string }>(lab.url, "SELECT state FROM lab.jobs j JOIN lab.submissions s ON s.id = j.submission_id WHERE s.plan LIKE '%upgrade-like%'");
    expect(jobs).toEqual([{ state: 'queued' }]);

    // A daily window that opened at the start of this minute and lasts an hour: the job starts now.
    const now = new Date();
    const open = await poshil(['lab', 'window', 'add', 'store-1', '--cron', `${now.getUTCMinutes()} ${now.getUTCHours()} * * *`, '--tz', 'UTC', '--duration', '1h', '--dir', lab.dir], { cwd: lab.home });
    expect(open.exitCode, open.stderr).toBe(0);
    await until(async () => (await query<{ state: string }>(lab.url, "SELECT j.state FROM lab.jobs j JOIN lab.submissions s ON s.id = j.submission_id WHERE s.plan LIKE '%upgrade-like%'"))[0]?.state === 'passed', 30_000, 'the disruptive job');
    // The one-device campaign ended: its webhook message arrived, once.
    await until(() => bodies('campaign-finished').length === 1, 10_000, 'the campaign-finished message');
    await poshil(['lab', 'window', 'remove', 'store-1', '--dir', lab.dir], { cwd: lab.home });
  }, 90_000);

  it('fires a schedule through pg-boss\'s cron and tells the webhook when the scheduled run fails', async () => {
    const failing = join(suites, 'failing.suite.yaml');
    writeFileSync(failing, 'suite: failing\ncases:\n  - id: busy\n    steps:\n      - do: status\n        expect: { type: object, properties: { state: { const: busy } } }\n');
    const added = await poshil(['lab', 'schedule', 'add', 'morning', failing, '--cron', '* * * * *', '--tz', 'Asia/Shanghai', '--select', 'site=store-2', '--dir', lab.dir], { cwd: lab.home });
    expect(added.exitCode, added.stderr).toBe(0);
    const listed = await poshil(['lab', 'schedule', 'list', '--dir', lab.dir], { cwd: lab.home });
    expect(listed.stdout).toMatch(/morning\s+\* \* \* \* \* \(Asia\/Shanghai\) next \d{4}-/);
    await until(() => bodies('run-failed').some((b) => b['schedule'] === 'morning'), 100_000, 'the scheduled run\'s failure message');
    const failed = bodies('run-failed').find((b) => b['schedule'] === 'morning')!;
    expect(failed).toMatchObject({ device: 't2', site: 'store-2', firstFailure: expect.stringMatching(/^failing\/busy: /) });
    expect(receiver.received[0]!.path).toBe('/hook?token=hunter2-secret');
    const firings = await query<{ n: string }>(lab.url, "SELECT count(*) AS n FROM lab.schedule_firings WHERE schedule = 'morning' AND submission_id IS NOT NULL");
    expect(Number(firings[0]!.n)).toBeGreaterThanOrEqual(1);
    // The list shows the last firings and how their jobs stand.
    const after = await poshil(['lab', 'schedule', 'list', '--dir', lab.dir], { cwd: lab.home });
    expect(after.stdout).toMatch(/^morning .*(\n\s+fired .*)*\n\s+fired \d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z: 1 failed$/m);
    await poshil(['lab', 'schedule', 'remove', 'morning', '--dir', lab.dir], { cwd: lab.home });
  }, 120_000);

  it('reports a firing that no worker queued as missed, once', async () => {
    // A daily schedule due four minutes ago, made as if it had been there for ten.
    const due = new Date(Date.now() - 4 * 60_000);
    const added = await poshil(['lab', 'schedule', 'add', 'opening', `${suites}/smoke.suite.yaml`, '--cron', `${due.getUTCMinutes()} ${due.getUTCHours()} * * *`, '--select', 'site=store-1', '--dir', lab.dir], { cwd: lab.home });
    expect(added.exitCode, added.stderr).toBe(0);
    await query(lab.url, "UPDATE lab.schedules SET created_at = now() - interval '10 minutes' WHERE name = 'opening'");
    await until(() => bodies('schedule-missed').length > 0, 20_000, 'the missed-run message');
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(bodies('schedule-missed')).toEqual([expect.objectContaining({ schedule: 'opening', tz: 'UTC', fireTime: new Date(Math.floor(due.getTime() / 60_000) * 60_000).toISOString() })]);
    await poshil(['lab', 'schedule', 'remove', 'opening', '--dir', lab.dir], { cwd: lab.home });
  }, 60_000);

  it('delivers a failed run\'s message that a Ctrl-C of its worker follows, retries included', async () => {
    const bench = join(lab.home, 'lab-b.bench.yaml');
    writeFileSync(bench, `bench: lab-b\ndevices:\n  - name: t9\n    profile: ${join(packageRoot(), 'devices', 'simulator.json')}\n    labels: { model: p9, site: store-9 }\n`);
    const failing = join(suites, 'failing-9.suite.yaml');
    writeFileSync(failing, 'suite: failing-9\ncases:\n  - id: busy\n    steps:\n      - do: status\n        expect: { type: object, properties: { state: { const: busy } } }\n');
    // The first attempt of t9's message is refused, as by a chat server that is briefly down.
    let attempts = 0;
    answer = (body) => (body['device'] === 't9' && ++attempts === 1 ? { status: 503, body: 'busy' } : { status: 200, body: '{}' });
    const stopper = startWorker({ dir: lab.dir, bench, name: 'stopper', cwd: lab.home });
    await stopper.waitFor(/registered 1 device/);
    const submitted = await poshil(['lab', 'submit', failing, '--select', 'site=store-9', '--each', '--dir', lab.dir], { cwd: lab.home });
    expect(submitted.exitCode, submitted.stderr).toBe(0);
    await until(() => attempts === 1, 30_000, 'the first attempt of the failed run\'s message');
    stopper.process.kill('SIGINT');
    await stopper.process;
    expect(stopper.output()).toMatch(/waiting up to 15 s for 1 webhook delivery/);
    expect(bodies('run-failed').filter((b) => b['device'] === 't9')).toHaveLength(2);
    expect(stopper.output()).toMatch(/webhook ops \(http:\/\/127\.0\.0\.1:\d+\/…\): run-failed delivered/);
  }, 60_000);

  it('tells the webhook when a worker goes quiet', async () => {
    const other = startWorker({ dir: lab.dir, bench: join(lab.home, 'lab-a.bench.yaml'), name: 'flaky-host', cwd: lab.home });
    await other.waitFor(/registered/);
    other.process.kill('SIGKILL');
    await other.process;
    await until(() => bodies('worker-offline').some((b) => b['worker'] === 'flaky-host'), 20_000, 'the worker-offline message');
    expect(kinds().filter((k) => k === 'worker-offline')).toHaveLength(1);
    const listed = await poshil(['lab', 'webhook', 'list', '--dir', lab.dir], { cwd: lab.home });
    expect(listed.stdout).toMatch(/ops\s+generic\s+http:\/\/127\.0\.0\.1:\d+\/…/);
    expect(listed.stdout).not.toMatch(/hunter2/);
  }, 60_000);
});
