/**
 * What a CI log and a person at the bench see from `poshil run`: a line per case when piped,
 * flaky cases named as such everywhere, the reporters chosen with --reporter, and a run that
 * could not reach its terminal booked as one run-level error with its reason first.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { poshil, readRecordJson, runDir, simulatorProfile, workspace } from './test-support/cli.js';

/** The exec step fails the first time (it leaves a mark) and passes on the retry. */
const FLAKY_SUITE = (mark: string) => `suite: bench
cases:
  - id: identify
    title: the terminal says what it is
    steps:
      - do: identify
  - id: settles-on-retry
    steps:
      - exec: [sh, -c, "test -e '${mark}' || { touch '${mark}'; exit 1; }"]
  - id: wrong-firmware
    troubleshoot: Upgrade the terminal.
    steps:
      - do: identify
        expect: { properties: { firmware: { const: "9.0.0" } } }
`;

describe('poshil run reporters (black box)', () => {
  it('piped: a line per case with durations, FLAKY for a retried pass, a recap, and the chosen reporters', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp') });
    const suite = join(dir, 'bench.suite.yaml');
    writeFileSync(suite, FLAKY_SUITE(join(dir, 'mark')));
    const out = join(dir, 'out');
    const result = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, '--retries', '1', '--reporter', 'list,github', '--reporter', `json=${join(dir, 'r.json')}`, '--junit', join(dir, 'copy.xml'), suite], { env: { CI: 'true' } });
    expect(result.exitCode, result.stderr).toBe(1);
    const stdout = result.stdout;
    expect(stdout).toMatch(/^device sim \(bench\) at tcp:\/\/127\.0\.0\.1:\d+$/m);
    expect(stdout).toMatch(/✓ PASS {4}bench\/identify \(\d+ ms\)/);
    expect(stdout).toMatch(/± FLAKY {3}bench\/settles-on-retry \(.+, passed on attempt 2 of 2\)/);
    expect(stdout).toMatch(/✗ FAIL {4}bench\/wrong-firmware/);
    expect(stdout).toContain('Failures (1):\n  1) FAIL bench/wrong-firmware');
    expect(stdout).toContain('troubleshoot (answer does not match): Upgrade the terminal.');
    expect(stdout).toContain('Flaky (1):');
    expect(stdout).toMatch(/FAIL 1 passed, 1 flaky, 1 failed of 3 cases/);
    expect(stdout).toMatch(/^::error file=.*bench\.suite\.yaml,line=10,title=FAIL bench\/wrong-firmware::/m);
    expect(stdout).toMatch(/^::warning file=.*bench\.suite\.yaml,line=7,title=FLAKY bench\/settles-on-retry::/m);

    const run = runDir(out);
    const record = readRecordJson(run);
    expect(record.summary).toMatchObject({ passed: 2, flaky: 1, failed: 1 });
    expect(record.suites[0]!.cases[1]).toMatchObject({ outcome: 'PASS', flaky: true, line: 7 });
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'))).toMatchObject({ runId: record.runId });
    // --junit writes a copy and the run folder keeps its own.
    const junit = readFileSync(join(run, 'junit.xml'), 'utf8');
    expect(readFileSync(join(dir, 'copy.xml'), 'utf8')).toBe(junit);
    expect(junit).toMatch(/<testcase classname="poshil.bench" name="settles-on-retry" time="[\d.]+">\s*<flakyFailure message="step 1 \(exec sh\)/);
    expect(readFileSync(join(run, 'report.html'), 'utf8')).toContain('<span class="badge FLAKY"');
    rmSync(dir, { recursive: true, force: true });
  });

  it('warns of a check that looked at nothing: a property the answer lacks, named in the console, record, JUnit, HTML and annotations', async () => {
    const dir = workspace({
      'sim.json': simulatorProfile('tcp'),
      'shape.json': JSON.stringify({ properties: { nickname: { type: 'string' } } }),
      'checks.suite.yaml': `suite: checks
cases:
  - id: misspelt
    steps:
      - do: identify
        expect: { properties: { firmwre: { const: "9.0.0" }, model: { type: string } } }
      - stimulus: paperOut
      - await: printer.status
        within: 2000
        where: { properties: { papr: { const: out } } }
  - id: shared-shape
    steps:
      - do: identify
        expect: { $ref: shape.json }
`,
    });
    const out = join(dir, 'out');
    const result = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, '--reporter', 'list,github', join(dir, 'checks.suite.yaml')]);
    // JSON Schema lets an absent property pass, and so does poshil; it says so.
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('Warnings (2):');
    expect(result.stdout).toMatch(/⚠ checks\/misspelt, step 1 \(do identify\): \/firmwre is checked, but the result has no such property \(it has: [^)]*firmware[^)]*\); the check passed without looking/);
    expect(result.stdout).toContain('⚠ checks/misspelt, step 3 (await printer.status): where: /papr is checked, but the event has no such property');
    expect(result.stdout).toMatch(/^::warning file=.*checks\.suite\.yaml,line=3,title=checks\/misspelt%2C step 1 \(do identify\)::\/firmwre is checked/m);
    expect(result.stdout).not.toContain('shared-shape, step');
    const run = runDir(out);
    const steps = readRecordJson(run).suites[0]!.cases[0]!.attempts[0]!.steps;
    expect(steps[0]!.warnings).toEqual([expect.stringMatching(/^\/firmwre is checked/)]);
    expect(readFileSync(join(run, 'junit.xml'), 'utf8')).toContain('<system-err>warning: step 1 (do identify): /firmwre is checked');
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    expect(html).toContain('<span class="badge WARNING" title="a check that looked at nothing: see the steps">⚠ 2</span>');
    expect(html).toContain('<div class="warning">⚠ /firmwre is checked');
    rmSync(dir, { recursive: true, force: true });
  });

  it('piped: a step longer than 10 s gets a heartbeat line, so the log does not look hung', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp'), 'slow.suite.yaml': 'suite: slow\ncases:\n  - id: settles\n    steps:\n      - wait: 10600\n' });
    const result = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', join(dir, 'out'), '--timeout', '20000', '--reporter', 'dot', join(dir, 'slow.suite.yaml')], { env: { CI: 'true' } });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}… slow\/settles · wait 10600 ms: running 10\.\d s$/m);
    expect(result.stdout).toMatch(/^·$/m);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('rejects an unknown reporter before anything runs', async () => {
    const result = await poshil(['run', '-d', 'devices/simulator.json', '--reporter', 'tap']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--reporter: unknown reporter "tap"');
  });

  it('books a terminal that cannot be reached as one run-level error, its reason first', async () => {
    const dir = workspace({
      'usb.json': { name: 'usb', protocol: 'bench', transport: { type: 'serial', path: '/dev/ttyUSB-poshil-none', baudRate: 115200 } },
    });
    const out = join(dir, 'out');
    const result = await poshil(['run', '-d', join(dir, 'usb.json'), '-o', out, 'suites/smoke.suite.yaml']);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toContain('device usb (bench) at serial:/dev/ttyUSB-poshil-none');
    const closing = result.stdout.slice(result.stdout.indexOf('to run\n') + 'to run\n'.length);
    expect(closing).toMatch(/^\nERROR the run could not go on: serial port \/dev\/ttyUSB-poshil-none does not exist \[E_PORT_NOT_FOUND\]/);
    expect(closing).not.toMatch(/ERROR +smoke\//);
    const run = runDir(out);
    const record = readRecordJson(run);
    expect(record.status).toBe('error');
    expect(record.error).toMatchObject({ code: 'E_PORT_NOT_FOUND' });
    expect(record.summary.total).toBe(0);
    const junit = readFileSync(join(run, 'junit.xml'), 'utf8');
    expect(junit.match(/<error /g)).toHaveLength(1);
    expect(junit).toContain('<property name="run.status" value="error"/>');
    expect(readFileSync(join(run, 'report.html'), 'utf8')).toContain('The run could not go on');

    // OUT/latest names the run; report --last finds it and --open hands its page to the desktop.
    const last = await poshil(['report', '--last', '--out', out, '--format', 'json']);
    expect(last.exitCode, last.stderr).toBe(0);
    expect(JSON.parse(last.stdout)).toMatchObject({ runId: record.runId, status: 'error' });
    // A run folder stands for its record.
    const folder = await poshil(['report', run, '--format', 'json']);
    expect(JSON.parse(folder.stdout)).toMatchObject({ runId: record.runId });
    const empty = await poshil(['report', dir, '--format', 'json']);
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain('is a folder with no record.json or record.ndjson in it [E_RECORD]');
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\necho "$1" > '${join(dir, 'opened')}'\n`, { mode: 0o755 });
    const opened = await poshil(['report', '--last', '--out', out, '--open'], { env: { PATH: `${bin}:${process.env['PATH']}` } });
    expect(opened.stdout).toContain(`opened ${join(out, 'latest', 'report.html')}`);
    await waitFor(() => existsSync(join(dir, 'opened')));
    expect(readFileSync(join(dir, 'opened'), 'utf8').trim()).toBe(`file://${join(out, 'latest', 'report.html')}`);
    const none = await poshil(['report', '--last', '--out', join(dir, 'nowhere')]);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('no run found');
    rmSync(dir, { recursive: true, force: true });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
