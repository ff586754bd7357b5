/**
 * Bad input meets one clear message — the file, the line or JSON pointer, what to do — and a
 * documented exit code; never a stack trace.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { poshil, ROOT, simulatorProfile, workspace } from './test-support/cli.js';

const goodSuite = `suite: s
cases:
  - id: c
    steps:
      - do: status
`;

function expectClean(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr.trim().split('\n').length).toBeLessThanOrEqual(4);
}

describe('bad input (black box)', () => {
  const cases: { name: string; files: Record<string, string | object>; suite?: string; device?: string; code: number; stderr: RegExp[] }[] = [
    {
      name: 'a YAML syntax error',
      files: { 'x.suite.yaml': 'suite: s\ncases:\n  - id: c\n    steps: [\n' },
      code: 2,
      stderr: [/is not valid YAML\/JSON/, /where: .*x\.suite\.yaml:\d+:\d+/, /E_SYNTAX/],
    },
    {
      name: 'a schema violation',
      files: { 'x.suite.yaml': goodSuite.replace('- do: status', '- do: status\n        colour: red') },
      code: 2,
      stderr: [/unknown property "colour"/, /x\.suite\.yaml:6.* at \/cases\/0\/steps\/0\/colour/],
    },
    {
      name: 'an unknown verb',
      files: { 'x.suite.yaml': goodSuite.replace('do: status', 'do: refundd') },
      code: 2,
      stderr: [/\/cases\/0\/steps\/0\/do is "refundd": did you mean "refund"\?/, /x\.suite\.yaml:5/],
    },
    {
      name: 'an unknown event',
      files: { 'x.suite.yaml': goodSuite.replace('do: status', 'await: card.swiped') },
      code: 2,
      stderr: [/\/cases\/0\/steps\/0\/await must be one of: "terminal.ready"/],
    },
    {
      name: 'a $ref to a missing file',
      files: { 'x.suite.yaml': goodSuite.replace('do: status', 'do: status\n        expect: { $ref: schemas/missing.json }') },
      code: 2,
      stderr: [/\$ref points at .*schemas\/missing\.json, which does not exist/, /at \/cases\/0\/steps\/0\/expect\/\$ref/],
    },
    {
      name: 'a profile pointing at a tty that does not exist',
      files: { 'x.suite.yaml': goodSuite, 'tty.json': { name: 'usb', protocol: 'bench', transport: { type: 'serial', path: '/dev/ttyUSB-poshil-none', baudRate: 115200 } } },
      device: 'tty.json',
      code: 3,
      stderr: [/serial port \/dev\/ttyUSB-poshil-none does not exist \[E_PORT_NOT_FOUND\]/, /hint: .*poshil ports/],
    },
    {
      name: 'an invalid profile',
      files: { 'x.suite.yaml': goodSuite, 'bad.json': { name: 'x', protocol: 'bench', transport: { type: 'tcp', host: 'h', port: 99999 } } },
      device: 'bad.json',
      code: 2,
      stderr: [/\/transport/, /bad\.json:\d+/],
    },
    {
      name: 'a missing suite file',
      files: {},
      suite: 'nope.suite.yaml',
      code: 2,
      stderr: [/no such suite file or folder: .*nope\.suite\.yaml/],
    },
  ];

  for (const c of cases) {
    it(`reports ${c.name}`, async () => {
      const dir = workspace({ 'sim.json': simulatorProfile('tcp'), ...c.files });
      const result = await poshil(['run', '-d', join(dir, c.device ?? 'sim.json'), '-o', join(dir, 'out'), join(dir, c.suite ?? 'x.suite.yaml')]);
      expect(result.exitCode, result.stderr).toBe(c.code);
      for (const pattern of c.stderr) expect(result.stderr).toMatch(pattern);
      expectClean(result.stderr);
    });
  }

  it('rejects a bad option value', async () => {
    const result = await poshil(['run', '-d', 'devices/simulator.json', '--retries', 'many']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--retries must be a whole number');
  });

  it('names a misspelt option as unknown, suggests the right one, and points at the command\'s help', async () => {
    const result = await poshil(['run', '--devcie', 'devices/simulator.json']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("unknown option '--devcie'");
    expect(result.stderr).toContain('(Did you mean --device?)');
    expect(result.stderr).toContain('(poshil run --help shows the options and examples)');
    expect(result.stderr).not.toContain('COMMAND');
    const missing = await poshil(['certify', '--device', 'devices/simulator.json']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("required option '-p, --plan <file>' not specified");
  });

  it('validates files and names each invalid one', async () => {
    const dir = workspace({ 'x.suite.yaml': goodSuite.replace('do: status', 'do: nope') });
    const result = await poshil(['validate', join(ROOT, 'suites/smoke.suite.yaml'), join(ROOT, 'devices/simulator.json'), join(dir, 'x.suite.yaml')]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toMatch(/ok\s+.*smoke\.suite\.yaml \(suite\)/);
    expect(result.stdout).toMatch(/ok\s+.*simulator\.json \(profile\)/);
    expect(result.stdout).toMatch(/invalid\s+.*x\.suite\.yaml/);
    expect(result.stderr).toContain('/cases/0/steps/0/do');
  });

  it('validates every bundled suite and profile', async () => {
    const suites = readdirSync(join(ROOT, 'suites')).filter((f) => f.endsWith('.suite.yaml')).map((f) => `suites/${f}`);
    expect(suites.length).toBeGreaterThanOrEqual(7);
    const devices = readdirSync(join(ROOT, 'devices')).filter((f) => f.endsWith('.json')).map((f) => `devices/${f}`);
    const result = await poshil(['validate', ...suites, ...devices, 'suites/plans/acceptance.plan.yaml', 'suites/faults/flaky-host.yaml']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/ok\s+suites\/faults\/flaky-host\.yaml \(fault plan\)/);
  });

  it('refuses a folder given as the --junit or --reporter json file before the run, not after every case', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp'), 's.suite.yaml': goodSuite, 'results/keep.txt': '' });
    for (const args of [['--junit', join(dir, 'results')], ['--reporter', `json=${join(dir, 'results')}`]]) {
      const result = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', join(dir, 'out'), ...args, join(dir, 's.suite.yaml')]);
      expect(result.exitCode, result.stdout).toBe(2);
      expect(result.stderr).toMatch(/results is a folder; it names the file to write \[E_OUTPUT_FILE\]/);
      expect(result.stdout).not.toMatch(/PASS/);
    }
  });

  it('checks a fault plan as sim --faults reads it, naming the rule at fault', async () => {
    const dir = workspace({ 'bad.yaml': 'faults:\n  - on: host.request\n    fault: hostTimeot\n' });
    const result = await poshil(['validate', join(dir, 'bad.yaml')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/\/faults\/0 needs "fault", one of paperOut.*\[E_FAULT_PLAN\]/);
  });

  it('refuses a fault plan rule on an event the simulator never sends: validate, sim and a run exit 2', async () => {
    const dir = workspace({ 'f.yaml': 'faults:\n  - { on: host.reqest, fault: hostTimeout }\n', 's.suite.yaml': goodSuite });
    const plan = join(dir, 'f.yaml');
    const said = [/\/faults\/0\/on is "host\.reqest", an event the simulator never sends: did you mean "host\.request"\? \[E_FAULT_PLAN\]/, /f\.yaml:2 at \/faults\/0\/on/, /hint: +a rule fires on one of: terminal\.ready, .*host\.request/];

    const validate = await poshil(['validate', plan]);
    expect(validate.exitCode).toBe(2);
    expect(validate.stdout).toMatch(/invalid\s+.*f\.yaml/);
    for (const line of said) expect(validate.stderr).toMatch(line);
    expectClean(validate.stderr);

    // A simulator that took the plan would run on: the time-out ends it, failing the test.
    const sim = await poshil(['sim', '--tcp', '127.0.0.1:0', '--faults', plan], { timeout: 15_000 });
    expect(sim.exitCode, sim.stdout + sim.stderr).toBe(2);
    for (const line of said) expect(sim.stderr).toMatch(line);

    writeFileSync(join(dir, 'sim.json'), JSON.stringify(simulatorProfile('tcp', ['--faults', plan])));
    const run = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', join(dir, 'out'), join(dir, 's.suite.yaml')]);
    expect(run.exitCode, run.stdout + run.stderr).toBe(2);
    expect(run.stderr).toMatch(/did you mean "host\.request"\?/);
    expect(run.stderr).toMatch(/E_SIMULATOR_ARGS/);
  });

  it('teaches with --help', async () => {
    const result = await poshil(['run', '--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain('--grep');
    const top = await poshil(['--help']);
    expect(top.stdout).toContain('Exit codes:');
  });
});
