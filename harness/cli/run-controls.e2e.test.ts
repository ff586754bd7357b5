/**
 * Run controls from the outside: a config file and POSHIL_* variables so that `poshil run` needs
 * no flags, --list without a terminal, --bail, --last-failed, --grep and --grep-invert (repeated)
 * and --timeout.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { poshil, readRecordJson, runDir, simulatorProfile, workspace } from './test-support/cli.js';

const SUITE = `suite: bench
cases:
  - id: identify
    title: the terminal says what it is
    steps:
      - do: identify
  - id: wrong-firmware
    steps:
      - do: identify
        expect: { properties: { firmware: { const: "9.0.0" } } }
  - id: status
    requires: [magstripe]
    steps:
      - do: status
`;

describe('run controls (black box)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const ws = (files: Record<string, string | object>) => {
    const dir = workspace(files);
    dirs.push(dir);
    return dir;
  };

  it('lists what would run from the config file alone, without touching a terminal', async () => {
    // The profile points at a serial port that does not exist: --list must not open it.
    const dir = ws({
      'poshil.config.yaml': 'device: devices/usb.json\nsuites: [suites]\nout: runs\n',
      'devices/usb.json': { name: 'usb', protocol: 'bench', transport: { type: 'serial', path: '/dev/ttyUSB-poshil-none', baudRate: 115200 } },
      'suites/bench.suite.yaml': SUITE,
    });
    const result = await poshil(['run', '--list', '--grep-invert', 'status'], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('bench/identify        the terminal says what it is\nbench/wrong-firmware\n2 cases in 1 suite');
  });

  it('lists a suite file named twice, directly and through its folder (a CI glob), once; refuses two files with one suite id', async () => {
    const dir = ws({ 'devices/usb.json': { name: 'usb', protocol: 'bench', transport: { type: 'serial', path: '/dev/ttyUSB-poshil-none', baudRate: 115200 } }, 'suites/bench.suite.yaml': SUITE });
    const twice = await poshil(['run', '-d', 'devices/usb.json', '--list', 'suites/', 'suites/bench.suite.yaml', './suites/../suites/bench.suite.yaml'], { cwd: dir });
    expect(twice.exitCode, twice.stderr).toBe(0);
    expect(twice.stdout).toMatch(/\n3 cases in 1 suite$/);
    writeFileSync(join(dir, 'suites/copy.suite.yaml'), SUITE);
    const copied = await poshil(['run', '-d', 'devices/usb.json', '--list', 'suites/', 'suites/bench.suite.yaml'], { cwd: dir });
    expect(copied.exitCode).toBe(2);
    expect(copied.stderr).toContain('suite id "bench" is used by suites/bench.suite.yaml and suites/copy.suite.yaml [E_DUPLICATE_SUITE]');
  });

  it('takes a repeated --grep or --grep-invert as alternatives, not the last one alone', async () => {
    const dir = ws({ 'devices/usb.json': { name: 'usb', protocol: 'bench', transport: { type: 'serial', path: '/dev/ttyUSB-poshil-none', baudRate: 115200 } }, 'bench.suite.yaml': SUITE });
    const list = (...args: string[]) => poshil(['run', '-d', 'devices/usb.json', '--list', ...args, 'bench.suite.yaml'], { cwd: dir });
    const either = await list('--grep', 'identify', '--grep', 'status');
    expect(either.exitCode, either.stderr).toBe(0);
    expect(either.stdout).toBe('bench/identify  the terminal says what it is\nbench/status      [requires magstripe]\n2 cases in 1 suite');
    const neither = await list('--grep-invert', 'identify', '--grep-invert', 'status');
    expect(neither.stdout).toBe('bench/wrong-firmware\n1 case in 1 suite');
    const bad = await list('--grep', 'identify', '--grep', 'x(');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--grep "x(" is not a valid regular expression');
  });

  it('rejects a config file that breaks its schema, naming file and line', async () => {
    const dir = ws({ 'poshil.config.yaml': 'device: x.json\nretries: many\n' });
    const result = await poshil(['run', '--list'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/configuration poshil\.config\.yaml is invalid: .*\/retries/);
    expect(result.stderr).toContain('poshil.config.yaml:2');
    const checked = await poshil(['validate', 'poshil.config.yaml'], { cwd: dir });
    expect(checked.exitCode).toBe(2);
    expect(checked.stdout).toContain('invalid  poshil.config.yaml');
  });

  it('runs from POSHIL_* variables, stops at the first failure with --bail, then reruns only the failure with --last-failed', async () => {
    const dir = ws({ 'sim.json': simulatorProfile('tcp'), 'bench.suite.yaml': SUITE });
    const out = join(dir, 'out');
    const env = { POSHIL_DEVICE: join(dir, 'sim.json'), POSHIL_OUT: out, POSHIL_SUITES: join(dir, 'bench.suite.yaml') };
    const first = await poshil(['run', '--bail', '--timeout', '4000'], { cwd: dir, env });
    expect(first.exitCode, first.stderr).toBe(1);
    expect(first.stdout).toContain('STOPPED after 1 failure (--max-failures 1): 1 case not run');
    const record = JSON.parse(readFileSync(join(out, 'latest', 'record.json'), 'utf8')) as ReturnType<typeof readRecordJson>;
    expect(record.options.maxFailures).toBe(1);
    expect(record.suites[0]!.cases.map((c) => c.outcome)).toEqual(['PASS', 'FAIL', 'ABORTED']);
    // The failure that stopped the run names it, not the case it kept from starting.
    expect(record.summary.outcome).toBe('FAIL');
    expect(first.stdout).toMatch(/^FAIL 1 passed, 1 failed/m);
    expect(record.suites[0]!.cases[0]!.attempts[0]!.steps[0]!.timeoutMs).toBe(4000);

    const again = await poshil(['run', '--last-failed'], { cwd: dir, env });
    expect(again.exitCode).toBe(1);
    const rerun = JSON.parse(readFileSync(join(out, 'latest', 'record.json'), 'utf8')) as ReturnType<typeof readRecordJson>;
    expect(rerun.runId).not.toBe(record.runId);
    expect(rerun.suites[0]!.cases.map((c) => c.id)).toEqual(['wrong-firmware', 'status']);
    expect(rerun.options.only).toEqual(['bench/wrong-firmware', 'bench/status']);
    expect(() => runDir(out)).toThrow(/found 2/);
  });

  it('reruns with --last-failed the failures of every suite the last run had, not only the default suites', async () => {
    const dir = ws({ 'sim.json': simulatorProfile('tcp'), 'bench.suite.yaml': SUITE, 'other.suite.yaml': 'suite: other\ncases:\n  - id: fine\n    steps:\n      - do: identify\n' });
    const out = join(dir, 'out');
    const first = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, '--bail', join(dir, 'bench.suite.yaml'), join(dir, 'other.suite.yaml')], { cwd: dir });
    expect(first.exitCode, first.stderr).toBe(1);
    // Given suites that leave some failures out, it says which do not run.
    const narrowed = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, '--last-failed', '--list', join(dir, 'other.suite.yaml')], { cwd: dir });
    expect(narrowed.stderr).toContain('--last-failed: 2 case(s) that did not pass last time are in no suite given now, and do not run: bench/wrong-firmware, bench/status');
    const again = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, '--last-failed'], { cwd: dir });
    expect(again.exitCode).toBe(1);
    const rerun = readRecordJson(join(out, 'latest'));
    expect(rerun.suites.flatMap((s) => s.cases.map((c) => `${s.id}/${c.id}`))).toEqual(['bench/wrong-firmware', 'bench/status', 'other/fine']);
  });
});
