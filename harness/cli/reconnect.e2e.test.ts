/**
 * Terminals followed across reboots, from the outside: a firmware upgrade that re-enumerates the
 * pty at a new path mid-suite, an unplugged cable nobody expected, a terminal that never comes
 * back (bounded, ERROR with the reason, the run not "finished"), and a bench run in which a
 * terminal found by USB identity reboots and is found again at its new path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { BenchSummary } from '../bench/summary.js';
import { CLI, poshil, readRecordJson, ROOT, runDir, simulatorProfile, transcriptText, workspace } from './test-support/cli.js';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
const validateRecord = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'harness/config/schemas/record.schema.json'), 'utf8')) as object);
const validateSummary = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'harness/config/schemas/bench-run.schema.json'), 'utf8')) as object);

/** A sale whose authorisation request makes the simulator's fault plan pull the cable; then a case after it. */
const DROP_SUITE = `suite: drop
cases:
  - id: sale-when-cable-pulled
    steps:
      - do: sale
        args: { amount: 1250, currency: EUR }
      - stimulus: swipe
        fixture: cards/visa-approved
      - await: transaction.completed
        within: 5000
  - id: after
    steps:
      - do: status
  - id: later
    steps:
      - do: identify
`;

const RESTART_SUITE = `suite: restart
cases:
  - id: reboot-comes-back
    steps:
      - do: reboot
      - await: terminal.ready
        within: 10000
      - do: identify
  - id: after
    steps:
      - do: status
        expect: { properties: { state: { const: idle } } }
`;

const CARDS = readFileSync(join(ROOT, 'suites', 'fixtures', 'cards.json'), 'utf8');
const withTimeouts = (profile: object, timeouts: object) => ({ ...profile, timeouts });

describe('reconnect across reboots (black box)', () => {
  it('follows a firmware upgrade that brings the pty back at a new path, mid-suite, and records the outage and each case\'s firmware', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('pty', ['--boot-ms', '500']) });
    const out = join(dir, 'out');
    const result = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, join(ROOT, 'suites', 'upgrade.suite.yaml'), join(ROOT, 'suites', 'smoke.suite.yaml')]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const run = runDir(out);
    const record = readRecordJson(run);
    expect(validateRecord(record), JSON.stringify(validateRecord.errors)).toBe(true);
    expect(record.status).toBe('finished');
    expect(record.outages).toHaveLength(1);
    const outage = record.outages![0]!;
    expect(outage).toMatchObject({ expected: true, during: 'upgrade/upgrade-keeps-data step 9 (do upgrade)', identityBefore: { firmware: '1.4.2' }, identityAfter: { firmware: '1.5.0' } });
    expect(outage.addressBefore).toMatch(/^serial:\/dev\/pts\/\d+$/);
    expect(outage.addressAfter).toMatch(/^serial:\/dev\/pts\/\d+$/);
    expect(outage.addressAfter).not.toBe(outage.addressBefore);
    expect(outage.downMs).toBeGreaterThanOrEqual(400);
    expect(Date.parse(outage.backAt!)).toBeGreaterThan(Date.parse(outage.downAt));
    // The record names where the terminal ended up, and both identities.
    expect(record.device.address).toBe(outage.addressAfter);
    expect(record.device.identityAtStart?.firmware).toBe('1.4.2');
    expect(record.device.identity?.firmware).toBe('1.5.0');
    // Each case under the firmware it began on: the lab's history counts it there.
    expect(record.suites.flatMap((s) => s.cases.map((c) => `${c.id} ${c.firmware}`))).toEqual(['corrupt-image-refused 1.4.2', 'upgrade-keeps-data 1.4.2', 'identify 1.5.0', 'status-idle 1.5.0', 'abort-when-idle 1.5.0']);
    const upgrade = record.suites[0]!.cases[1]!.attempts[0]!.steps[8]!;
    expect(upgrade).toMatchObject({ label: 'do upgrade', outcome: 'PASS', details: { reconnect: { addressAfter: outage.addressAfter, firmwareAfter: '1.5.0' } } });
    const notes = transcriptText(run);
    expect(notes).toContain('as the step expected');
    expect(notes).toContain(`link back at ${outage.addressAfter}`);
    expect(readFileSync(join(run, 'junit.xml'), 'utf8')).toMatch(/name="run.status" value="finished"/);
  });

  it('makes the step an unexpected drop interrupts ERROR "link lost", and goes on after the terminal is back', async () => {
    const dir = workspace({
      'sim.json': simulatorProfile('tcp', ['--faults', 'faults.yaml']),
      'faults.yaml': 'faults:\n  - on: host.request\n    nth: 1\n    fault: unplug\n    durationMs: 800\n',
      'drop.suite.yaml': DROP_SUITE,
      'fixtures/cards.json': CARDS,
    });
    const out = join(dir, 'out');
    const result = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, join(dir, 'drop.suite.yaml')], { cwd: dir });
    expect(result.exitCode, result.stdout + result.stderr).toBe(1);
    const record = readRecordJson(runDir(out));
    expect(validateRecord(record), JSON.stringify(validateRecord.errors)).toBe(true);
    expect(record.status).toBe('finished');
    const [sale, after, later] = record.suites[0]!.cases;
    expect(sale!.outcome).toBe('ERROR');
    const stopped = sale!.attempts[0]!.steps.find((s) => s.outcome === 'ERROR')!;
    expect(stopped.reason).toMatch(/^link lost: .*\[E_LINK_LOST\]$/);
    expect(after!.outcome).toBe('PASS');
    expect(later!.outcome).toBe('PASS');
    expect(record.outages).toEqual([expect.objectContaining({ expected: false, addressBefore: record.device.address, addressAfter: record.device.address, backAt: expect.any(String) })]);
    expect(record.outages![0]!.during).toMatch(/^drop\/sale-when-cable-pulled step [23] /);
    expect(record.outages![0]!.downMs).toBeGreaterThanOrEqual(700);
  });

  it('ends the cases of a terminal that never comes back as ERROR with the reason, in bounded time, and does not call the run finished', async () => {
    const dir = workspace({
      'sim.json': withTimeouts(simulatorProfile('tcp', ['--faults', 'faults.yaml', '--instance', 'never-back']), { reconnect: 1500 }),
      'faults.yaml': 'faults:\n  - on: host.request\n    fault: unplug\n',
      'drop.suite.yaml': DROP_SUITE,
      'fixtures/cards.json': CARDS,
    });
    const out = join(dir, 'out');
    const started = Date.now();
    const result = await poshil(['run', '-d', join(dir, 'sim.json'), '-o', out, join(dir, 'drop.suite.yaml')], { cwd: dir });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.exitCode, result.stdout + result.stderr).toBe(3);
    const run = runDir(out);
    const record = readRecordJson(run);
    expect(validateRecord(record), JSON.stringify(validateRecord.errors)).toBe(true);
    expect(record.status).toBe('error');
    expect(record.error).toMatchObject({ code: 'E_LINK_LOST', message: expect.stringContaining('did not come back within 1500 ms') });
    expect(record.suites[0]!.cases.map((c) => c.outcome)).toEqual(['ERROR', 'ERROR', 'ERROR']);
    for (const c of record.suites[0]!.cases.slice(1)) expect(c.reason).toMatch(/^not run: .*did not come back within 1500 ms.*\[E_LINK_LOST\]$/);
    expect(record.outages).toEqual([expect.objectContaining({ expected: false, gaveUp: expect.stringContaining('1500 ms') })]);
    expect(record.outages![0]!.backAt).toBeUndefined();
    expect(readFileSync(join(run, 'junit.xml'), 'utf8')).toMatch(/name="run.status" value="error"/);
    expect(transcriptText(run)).toContain('gave up on the terminal');
    expect((await execa('pgrep', ['-f', 'never-back'], { reject: false })).stdout).toBe('');
  });

  it('finds a rebooted USB-serial terminal of a bench again by its identity at its new path', async () => {
    const dir = workspace({
      'usb-terminal.json': { name: 'usb terminal', protocol: 'bench', transport: { type: 'serial', baudRate: 115200 }, timeouts: { reconnect: 10000 } },
      'sim-tcp.json': simulatorProfile('tcp'),
      'restart.suite.yaml': RESTART_SUITE,
      'lab.bench.yaml': [
        'bench: reboot-lab',
        'devices:',
        '  - name: counter-usb',
        '    profile: usb-terminal.json',
        '    match: { vendorId: "1209", serialNumber: PSIM-000021 }',
        '  - name: counter-tcp',
        '    profile: sim-tcp.json',
        '    seed: 22',
        '',
      ].join('\n'),
    });
    const ports = join(dir, 'ports');
    // The terminal on the bench: a simulator on a pty that publishes itself as a USB-serial port.
    const sim = execa(process.execPath, [CLI, 'sim', '--pty', '--seed', '21', '--boot-ms', '600', '--port-dir', ports], { reject: false, stdin: 'ignore', env: { NO_COLOR: '1' } });
    try {
      const ready = await new Promise<{ link: string }>((resolve, reject) => {
        let text = '';
        sim.stdout!.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const line = text.split('\n').find((l) => l.includes('"ready"'));
          if (line) resolve(JSON.parse(line) as { link: string });
        });
        void sim.then((r) => reject(new Error(`the simulator ended: ${r.stderr}`)));
      });
      // What a lab user looks at to write the device's match.
      const listed = await poshil(['ports', '--json'], { env: { POSHIL_PORT_DIR: ports } });
      expect(JSON.parse(listed.stdout)).toEqual([{ path: ready.link.slice('serial:'.length), manufacturer: 'poshil', vendorId: '1209', productId: '0001', serialNumber: 'PSIM-000021', byId: 'usb-poshil_poshil-sim_PSIM-000021-if00' }]);
      const out = join(dir, 'out');
      const result = await poshil(['run', '--bench', join(dir, 'lab.bench.yaml'), '--lab', join(dir, 'lab'), '--out', out, join(dir, 'restart.suite.yaml')], { env: { POSHIL_PORT_DIR: ports }, timeout: 120_000 });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      const bench = runDir(out);
      const summary = JSON.parse(readFileSync(join(bench, 'record.json'), 'utf8')) as BenchSummary;
      expect(validateSummary(summary), JSON.stringify(validateSummary.errors)).toBe(true);
      expect(summary.devices.map((d) => [d.device, d.outcome, d.outages])).toEqual([
        ['counter-usb', 'PASS', 1],
        ['counter-tcp', 'PASS', 1],
      ]);
      expect(result.stdout).toMatch(/counter-usb +PASS +2 passed, 0 failed of 2 — link dropped 1×/);
      const usb = readRecordJson(join(bench, 'counter-usb'));
      expect(validateRecord(usb), JSON.stringify(validateRecord.errors)).toBe(true);
      expect(usb.outages).toHaveLength(1);
      const outage = usb.outages![0]!;
      expect(outage.addressBefore).toBe(ready.link);
      expect(outage.addressAfter).toMatch(/^serial:\/dev\/pts\/\d+$/);
      expect(outage.addressAfter).not.toBe(ready.link);
      expect(outage).toMatchObject({ expected: true, identityAfter: { serialNumber: 'PSIM-000021' } });
      expect(usb.suites[0]!.cases.map((c) => c.outcome)).toEqual(['PASS', 'PASS']);
      // The TCP terminal rebooted too, and came back on its port.
      const tcp = readRecordJson(join(bench, 'counter-tcp'));
      expect(tcp.outages?.[0]).toMatchObject({ expected: true, addressAfter: tcp.outages?.[0]?.addressBefore });
    } finally {
      sim.kill('SIGTERM');
      await sim;
    }
  });
});
