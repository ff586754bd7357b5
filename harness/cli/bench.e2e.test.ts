/**
 * Benches as a lab user drives them: `poshil run --bench` on real simulators (TCP, pty, ZVT) at
 * once, --spread, selection, locks between two poshil processes, quarantine and release.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../core/record.js';
import type { BenchSummary } from '../bench/summary.js';
import { poshil, readRecordJson, ROOT, runDir, simulatorProfile, transcriptText, workspace } from './test-support/cli.js';

const recordSchema = JSON.parse(readFileSync(join(ROOT, 'harness/config/schemas/record.schema.json'), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
const validateRecord = ajv.compile(recordSchema);
const validateSummary = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'harness/config/schemas/bench-run.schema.json'), 'utf8')) as object);
const SIMULATORS = join(ROOT, 'devices', 'benches', 'simulators.bench.yaml');
const suite = (name: string) => join(ROOT, 'suites', `${name}.suite.yaml`);

/** The bench run's record.json, checked against its published schema. */
function summaryOf(out: string, run?: 'latest'): { dir: string; summary: BenchSummary } {
  const dir = run ? join(out, run) : runDir(out);
  const summary = JSON.parse(readFileSync(join(dir, 'record.json'), 'utf8')) as BenchSummary;
  expect(validateSummary(summary), JSON.stringify(validateSummary.errors)).toBe(true);
  return { dir, summary };
}

interface StatusEntry {
  device: string;
  lock: { held: boolean; holder?: { pid: number; runId: string } };
  health: { state: string; reason: string; consecutiveFailures: number };
}

async function status(bench: string, lab: string): Promise<StatusEntry[]> {
  const result = await poshil(['bench', 'status', bench, '--lab', lab, '--json']);
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as StatusEntry[];
}

describe('poshil run --bench (black box)', () => {
  it('runs the smoke suite on every simulated terminal of the shipped bench at once', async () => {
    const dir = workspace();
    const out = join(dir, 'out');
    const lab = join(dir, 'lab');
    const result = await poshil(['run', '--bench', SIMULATORS, '--lab', lab, '--out', out, suite('smoke')], { timeout: 120_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const { dir: bench, summary } = summaryOf(out);
    expect(summary).toMatchObject({ kind: 'poshil.bench-run', mode: 'fleet', exitCode: 0, bench: { name: 'simulators' } });
    expect(summary.devices.map((d) => [d.device, d.outcome, d.runDir])).toEqual([
      ['sim-tcp-1', 'PASS', 'sim-tcp-1'],
      ['sim-tcp-2', 'PASS', 'sim-tcp-2'],
      ['sim-pty-1', 'PASS', 'sim-pty-1'],
      ['sim-zvt-1', 'PASS', 'sim-zvt-1'],
    ]);
    const serials = new Set<string>();
    for (const device of summary.devices) {
      const folder = join(bench, device.device);
      for (const file of ['record.json', 'record.ndjson', 'transcript/00001.ndjson', 'poshil.log', 'junit.xml', 'report.html']) expect(existsSync(join(folder, file)), `${device.device}/${file}`).toBe(true);
      const record: RunRecord = readRecordJson(folder);
      expect(validateRecord(record), JSON.stringify(validateRecord.errors)).toBe(true);
      expect(record.status).toBe('finished');
      expect(record.summary).toMatchObject({ total: 3, passed: 3 });
      serials.add(record.device.identity!.serialNumber);
      expect(device.cases.map((c) => `${c.suite}/${c.id}`)).toEqual(['smoke/identify', 'smoke/status-idle', 'smoke/abort-when-idle']);
    }
    // Each device its own seed, so its own terminal.
    expect(serials.size).toBe(4);
    expect(readRecordJson(join(bench, 'sim-pty-1')).device.address).toMatch(/^serial:\/dev\/pts\/\d+$/);
    const junit = readFileSync(join(bench, 'junit.xml'), 'utf8');
    expect(junit.match(/<testsuite /g)).toHaveLength(4);
    expect(junit).toContain('name="sim-zvt-1/smoke"');
    expect(junit.match(/<testcase /g)).toHaveLength(12);
    const html = readFileSync(join(bench, 'index.html'), 'utf8');
    expect(html).toContain('<a href="sim-zvt-1/report.html">sim-zvt-1</a>');
    expect(html.match(/<span class="badge PASS">3\/3<\/span>/g)).toHaveLength(4);
    // Piped: every finished case on its own line, carrying its device.
    for (const device of ['sim-tcp-1', 'sim-tcp-2', 'sim-pty-1', 'sim-zvt-1']) {
      expect(result.stdout.split('\n').filter((l) => l.startsWith(device) && / PASS +smoke\//.test(l))).toHaveLength(3);
    }
    expect(result.stdout).toMatch(/bench exit 0/);
    const after = await status(SIMULATORS, lab);
    expect(after.every((s) => s.health.state === 'good' && !s.lock.held)).toBe(true);
  }, 180_000);

  it('shares the cases among interchangeable devices with --spread: none lost, none run twice', async () => {
    const dir = workspace();
    const out = join(dir, 'out');
    const result = await poshil(['run', '--bench', SIMULATORS, '--lab', join(dir, 'lab'), '--out', out, '--select', 'protocol=bench', '--spread', '--workers', '2', suite('smoke'), suite('sales')], { timeout: 120_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const { summary } = summaryOf(out);
    expect(summary.mode).toBe('spread');
    expect(summary.devices.map((d) => d.device)).toEqual(['sim-tcp-1', 'sim-tcp-2', 'sim-pty-1']);
    const ran = summary.devices.flatMap((d) => d.cases.map((c) => `${c.suite}/${c.id}`));
    const smoke = ['smoke/identify', 'smoke/status-idle', 'smoke/abort-when-idle'];
    expect(ran).toHaveLength(new Set(ran).size);
    expect(ran).toEqual(expect.arrayContaining(smoke));
    expect(ran.filter((id) => id.startsWith('sales/')).length).toBeGreaterThan(0);
    for (const device of summary.devices) expect(device.cases.length).toBeGreaterThan(0);
    // --workers 2: never three device runs at the same time.
    const spans = summary.devices.map((d) => readRecordJson(join(runDir(out), d.device))).map((r) => [Date.parse(r.startedAt), Date.parse(r.finishedAt!)] as const);
    const overlapping = spans.map(([start]) => spans.filter(([s, e]) => s <= start && start < e).length);
    expect(Math.max(...overlapping)).toBeLessThanOrEqual(2);
  }, 180_000);

  it('refuses an empty selection with exit 2 listing the labels, and a bad bench file naming file, pointer and line', async () => {
    const empty = await poshil(['run', '--bench', SIMULATORS, '--select', 'brand=acme']);
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toMatch(/no device of .*simulators\.bench\.yaml matches --select brand=acme \[E_NO_DEVICES\]/);
    expect(empty.stderr).toMatch(/protocol=bench\|zvt/);
    const dir = workspace({ 'sim.json': simulatorProfile('tcp'), 'bad.bench.yaml': 'bench: bad\ndevices:\n  - name: a\n    profile: sim.json\n  - name: a\n    profile: sim.json\n' });
    const bad = await poshil(['run', '--bench', join(dir, 'bad.bench.yaml')]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/bad\.bench\.yaml:5:\d+ at \/devices\/1\/name/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    for (const [args, message] of [
      [['--device', join(ROOT, 'devices/simulator.json')], /--bench and --device do not go together/],
      [['--workers', '0'], /--workers must be a whole number from 1/],
      [['--select', 'brand'], /--select term "brand" is not key=value/],
      [['--bail', '--reporter', 'dot'], /--reporter is not supported with --bench/],
      [['--grep-invert', '('], /--grep-invert is not a valid regular expression/],
      // Where mkdir answers ENOENT below a folder that exists, Node's recursive mkdir would spin.
      [['--lab', '/proc/poshil-no-lab'], /--lab \/proc\/poshil-no-lab: cannot create \/proc\/poshil-no-lab \(ENOENT\)/],
    ] as const) {
      const refused = await poshil(['run', '--bench', SIMULATORS, ...args]);
      expect(refused.exitCode).toBe(2);
      expect(refused.stderr).toMatch(message);
    }
  }, 180_000);

  it('looks a device up by USB identity, and is exit 3 listing the ports when it is not there', async () => {
    const usb = { name: 'usb terminal', protocol: 'bench', transport: { type: 'serial', baudRate: 115200 } };
    const dir = workspace({ 'usb.json': usb, 'lab.bench.yaml': 'bench: usb\ndevices:\n  - name: counter-3\n    profile: usb.json\n    match: { vendorId: "0403", serialNumber: NOT-PLUGGED-IN }\n' });
    const out = join(dir, 'out');
    const result = await poshil(['run', '--bench', join(dir, 'lab.bench.yaml'), '--lab', join(dir, 'lab'), '--out', out, suite('smoke')]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(3);
    expect(result.stdout).toMatch(/counter-3 +NOT-RUN device counter-3: no serial port match vendorId=0403,serialNumber=NOT-PLUGGED-IN/);
    const device = summaryOf(out).summary.devices[0]!;
    expect(device).toMatchObject({ outcome: 'NOT-RUN', exitCode: 3, error: { code: 'E_PORT_NOT_FOUND' }, health: { state: 'good' } });
  }, 180_000);

  it('takes the defaults of poshil.config and the run controls: --list, --grep-invert, --last-failed over every device, --bail per device', async () => {
    const lax = simulatorProfile('tcp', ['--defect', 'skip-luhn', '--defect', 'accept-expired']);
    const dir = workspace({
      'sim.json': simulatorProfile('tcp'),
      'lax.json': lax,
      'lab.bench.yaml': 'bench: controls\ndevices:\n  - name: strict\n    profile: sim.json\n  - name: lax\n    profile: lax.json\n',
      'poshil.config.json': { suites: [suite('card-swipe')], out: 'runs', retries: 0 },
    });
    const run = (...args: string[]) => poshil(['run', '--bench', 'lab.bench.yaml', '--lab', 'lab', ...args], { cwd: dir, timeout: 120_000 });
    const listed = await run('--list', '--grep', 'refused', '--grep-invert', 'declined');
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/card-swipe\/luhn-refused/);
    expect(listed.stdout).not.toMatch(/declined/);
    expect(listed.stdout).toMatch(/4 cases in 1 suite\non 2 devices: strict, lax \(each\)$/);

    const first = await run('--grep', 'luhn-refused|expired-refused|visa-approved');
    expect(first.exitCode, first.stdout + first.stderr).toBe(1);
    const failedFirst = summaryOf(join(dir, 'runs')).summary.devices.find((d) => d.device === 'lax')!.cases.filter((c) => c.outcome !== 'PASS').map((c) => c.id);
    expect(failedFirst.sort()).toEqual(['expired-refused', 'luhn-refused']);

    // Only what failed somewhere runs again, on every device.
    const again = await run('--last-failed');
    expect(again.exitCode, again.stdout + again.stderr).toBe(1);
    const { summary } = summaryOf(join(dir, 'runs'), 'latest');
    for (const device of summary.devices) expect(device.cases.map((c) => c.id).sort(), device.device).toEqual(['expired-refused', 'luhn-refused']);
    expect(summary.devices.find((d) => d.device === 'strict')!.outcome).toBe('PASS');

    const bail = await run('--bail', '--grep', 'luhn-refused|expired-refused');
    expect(bail.exitCode).toBe(1);
    const lax2 = summaryOf(join(dir, 'runs'), 'latest').summary.devices.find((d) => d.device === 'lax')!;
    // The first case the lax terminal gets wrong it answers wrongly (completes the sale): FAIL, and --bail stops there.
    expect(lax2.cases.filter((c) => c.outcome === 'FAIL')).toHaveLength(1);
  }, 240_000);

  it('starts the simulators inside poshil with --in-process-simulators, on a thread of their own: same results, no simulator process, bad arguments named', async () => {
    const dir = workspace({
      'broken.json': { ...simulatorProfile('tcp'), simulator: { args: ['--tcp', '127.0.0.1:0', '--defect', 'no-such-defect'] } },
      'lab.bench.yaml': `bench: inside\ndevices:\n  - name: tcp\n    profile: ${join(ROOT, 'devices/simulator.json')}\n  - name: pty\n    profile: ${join(ROOT, 'devices/simulator-pty.json')}\n  - name: zvt\n    profile: ${join(ROOT, 'devices/simulator-zvt-serial.json')}\n  - name: broken\n    profile: broken.json\n`,
    });
    const out = join(dir, 'out');
    const result = await poshil(['run', '--bench', join(dir, 'lab.bench.yaml'), '--lab', join(dir, 'lab'), '--out', out, '--in-process-simulators', suite('smoke')], { timeout: 120_000 });
    // The broken device's arguments are the profile's fault (2), the worst of the devices' codes.
    expect(result.exitCode, result.stdout + result.stderr).toBe(2);
    // Nothing but poshil's own lines: no warning from Node about the pty descriptors the thread closes.
    expect(result.stderr).not.toMatch(/Warning/);
    const { dir: bench, summary } = summaryOf(out);
    expect(summary.devices.map((d) => [d.device, d.outcome])).toEqual([
      ['tcp', 'PASS'],
      ['pty', 'PASS'],
      ['zvt', 'PASS'],
      ['broken', 'ERROR'],
    ]);
    expect(summary.devices[3]!.error).toMatchObject({ code: 'E_SIMULATOR_ARGS', message: expect.stringContaining('unknown --defect "no-such-defect"') });
    // One process: every simulator names the same pid, poshil's.
    const pids = new Set<string>();
    for (const device of ['tcp', 'pty', 'zvt']) {
      // Not a process of its own: no simulator.log; the run's log and transcript say where it ran.
      expect(existsSync(join(bench, device, 'simulator.log'))).toBe(false);
      expect(readFileSync(join(bench, device, 'poshil.log'), 'utf8')).toContain(`"where":"on poshil's simulator thread"`);
      pids.add(/simulator pid (\d+) \(on poshil's simulator thread\) on/.exec(transcriptText(join(bench, device)))![1]!);
      expect(readRecordJson(join(bench, device)).status).toBe('finished');
    }
    expect(pids.size).toBe(1);
  }, 180_000);

  it('quarantines a device after repeated device errors, skips it, and runs it again once released', async () => {
    // A terminal on other firmware than its profile expects fails its health check: a device error.
    const broken = { ...simulatorProfile('tcp'), health: { firmware: '9.9.9' } };
    const dir = workspace({
      'sim.json': simulatorProfile('tcp'),
      'broken.json': broken,
      'lab.bench.yaml': 'bench: q\nquarantineAfter: 2\ndevices:\n  - name: good\n    profile: sim.json\n  - name: flaky\n    profile: broken.json\n',
    });
    const bench = join(dir, 'lab.bench.yaml');
    const lab = join(dir, 'lab');
    const run = (n: number) => poshil(['run', '--bench', bench, '--lab', lab, '--out', join(dir, `out${n}`), suite('smoke')], { timeout: 120_000 });
    for (const n of [1, 2]) {
      const result = await run(n);
      expect(result.exitCode, result.stdout + result.stderr).toBe(3);
      const { summary } = summaryOf(join(dir, `out${n}`));
      expect(summary.devices.find((d) => d.device === 'flaky')).toMatchObject({ outcome: 'ERROR', exitCode: 3, error: { code: 'E_HEALTH' } });
      expect(summary.devices.find((d) => d.device === 'good')).toMatchObject({ outcome: 'PASS', exitCode: 0 });
    }
    const quarantined = (await status(bench, lab)).find((s) => s.device === 'flaky')!;
    expect(quarantined.health).toMatchObject({ state: 'quarantined', consecutiveFailures: 2, reason: expect.stringMatching(/^2 runs in a row ended in a device error; the last: terminal \S+ failed its health check/) });
    // Skipped with the reason shown; the good device alone decides the exit code.
    const third = await run(3);
    expect(third.exitCode, third.stdout + third.stderr).toBe(0);
    expect(third.stdout).toMatch(/flaky +SKIPPED quarantined: 2 runs in a row/);
    expect(summaryOf(join(dir, 'out3')).summary.devices.find((d) => d.device === 'flaky')).toMatchObject({ outcome: 'NOT-RUN', skipped: expect.stringMatching(/^quarantined/) });
    const text = await poshil(['bench', 'status', bench, '--lab', lab]);
    expect(text.stdout).toMatch(/flaky {2}QUARANTINED {2}2 runs in a row/);
    const release = await poshil(['bench', 'release', bench, 'flaky', '--lab', lab]);
    expect(release.exitCode, release.stderr).toBe(0);
    expect((await status(bench, lab)).find((s) => s.device === 'flaky')!.health.state).toBe('good');
    const fourth = await run(4);
    expect(fourth.exitCode).toBe(3);
    expect(summaryOf(join(dir, 'out4')).summary.devices.find((d) => d.device === 'flaky')!.error?.code).toBe('E_HEALTH');
  }, 180_000);

  it('holds a device for one run: a second run gets exit 3 naming the holder; Ctrl-C stops the first cleanly', async () => {
    const slow = 'suite: slow\ncases:\n  - id: quick\n    steps:\n      - do: status\n  - id: waits\n    steps:\n      - await: transaction.completed\n        within: 60000\n';
    const dir = workspace({ 'sim.json': simulatorProfile('tcp'), 'slow.suite.yaml': slow, 'lab.bench.yaml': 'bench: locks\ndevices:\n  - name: only\n    profile: sim.json\n' });
    const bench = join(dir, 'lab.bench.yaml');
    const lab = join(dir, 'lab');
    const first = poshil(['run', '--bench', bench, '--lab', lab, '--out', join(dir, 'out1'), join(dir, 'slow.suite.yaml')], { timeout: 120_000 });
    let holder: StatusEntry['lock']['holder'];
    for (let i = 0; i < 200 && !holder; i++) {
      await new Promise((r) => setTimeout(r, 100));
      holder = (await status(bench, lab))[0]!.lock.holder;
    }
    expect(holder?.pid).toBe(first.pid);
    const second = await poshil(['run', '--bench', bench, '--lab', lab, '--out', join(dir, 'out2'), join(dir, 'slow.suite.yaml')]);
    expect(second.exitCode).toBe(3);
    expect(second.stdout).toMatch(new RegExp(`only +NOT-RUN device only is locked by pid ${first.pid} on .* \\(run ${holder!.runId}\\) since `));
    // Let the first reach its waiting case, then interrupt it.
    await new Promise((r) => setTimeout(r, 1000));
    first.kill('SIGINT');
    const ended = await first;
    expect(ended.exitCode, ended.stdout + ended.stderr).toBe(130);
    const { dir: benchDir, summary } = summaryOf(join(dir, 'out1'));
    expect(summary.exitCode).toBe(130);
    const record = readRecordJson(join(benchDir, 'only'));
    expect(record.status).toBe('interrupted');
    expect(record.suites[0]!.cases.map((c) => c.outcome)).toEqual(['PASS', 'ABORTED']);
    const after = (await status(bench, lab))[0]!;
    expect(after.lock.held).toBe(false);
    // An interruption says nothing about the device's health.
    expect(after.health).toMatchObject({ state: 'good', consecutiveFailures: 0 });
  }, 180_000);
});
