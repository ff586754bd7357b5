import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { packageRoot } from '../core/paths.js';
import { loadBench, withSeed } from './bench-file.js';
import { inputError } from '../core/test-support/thrown.js';

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const SERIAL_MODEL = { name: 'acme t100', protocol: 'bench', transport: { type: 'serial', baudRate: 115200 } };
const TCP_TERMINAL = { name: 'zvt', protocol: 'zvt', transport: { type: 'tcp', host: '192.0.2.1', port: 20007 } };
const SIM = { name: 'sim', protocol: 'bench', transport: { type: 'tcp', host: '127.0.0.1' }, simulator: { args: ['--tcp', '127.0.0.1:0', '--seed', '42'] } };

function benchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'poshil-bench-file-'));
  made.push(dir);
  writeFileSync(join(dir, 'serial.json'), JSON.stringify(SERIAL_MODEL));
  writeFileSync(join(dir, 'zvt.json'), JSON.stringify(TCP_TERMINAL));
  writeFileSync(join(dir, 'sim.json'), JSON.stringify(SIM));
  return dir;
}

function load(yaml: string, dir = benchDir()) {
  const path = join(dir, 'lab.bench.yaml');
  writeFileSync(path, yaml);
  return loadBench(path);
}

describe('loadBench', () => {
  it('loads devices with their labels and overrides applied to the profile', () => {
    const bench = load(`bench: lab
devices:
  - name: counter-1
    profile: serial.json
    labels: { brand: acme, firmware: 2.1, ready: true }
    path: /dev/ttyUSB7
  - name: lane-1
    profile: zvt.json
    port: 20008
  - name: sim-1
    profile: sim.json
    seed: 7
`);
    expect(bench.name).toBe('lab');
    expect(bench.quarantineAfter).toBe(3);
    const [counter, lane, sim] = bench.devices;
    expect(counter!.labels).toEqual({ name: 'counter-1', protocol: 'bench', transport: 'serial', brand: 'acme', firmware: '2.1', ready: 'true' });
    expect(counter!.profile.transport).toMatchObject({ type: 'serial', path: '/dev/ttyUSB7' });
    expect(counter!.lockKey).toBe('serial:/dev/ttyUSB7');
    expect(lane!.profile.transport).toMatchObject({ host: '192.0.2.1', port: 20008 });
    expect(lane!.lockKey).toBe('tcp://192.0.2.1:20008');
    expect(sim!.profile.simulator!.args).toEqual(['--tcp', '127.0.0.1:0', '--seed', '7']);
    expect(sim!.lockKey).toBe('sim:lab/sim-1');
    expect(Object.isFrozen(bench.devices)).toBe(true);
  });

  it('loads the shipped bench files', () => {
    for (const name of ['simulators', 'lab-example']) {
      const bench = loadBench(join(packageRoot(), 'devices', 'benches', `${name}.bench.yaml`));
      expect(bench.devices.length).toBeGreaterThan(2);
    }
  });

  // Each bad bench file: the error code, the pointer and the line it names.
  const bad: [string, string, string, string | RegExp, number][] = [
    ['an unknown property', `bench: lab\ndevices:\n  - name: a\n    profile: sim.json\n    colour: red\n`, 'E_SCHEMA', '/devices/0/colour', 5],
    ['a missing profile key', `bench: lab\ndevices:\n  - name: a\n`, 'E_SCHEMA', '/devices/0', 3],
    ['a label that is an object', `bench: lab\ndevices:\n  - name: a\n    profile: sim.json\n    labels: { brand: { x: 1 } }\n`, 'E_SCHEMA', '/devices/0/labels/brand', 5],
    ['a duplicate name', `bench: lab\ndevices:\n  - name: a\n    profile: sim.json\n  - name: a\n    profile: sim.json\n`, 'E_BENCH_DUPLICATE', '/devices/1/name', 5],
    ['an unknown profile file', `bench: lab\ndevices:\n  - name: a\n    profile: nowhere.json\n`, 'E_BENCH_PROFILE', '/devices/0/profile', 4],
    ['two devices on one port', `bench: lab\ndevices:\n  - name: a\n    profile: serial.json\n    path: /dev/ttyUSB0\n  - name: b\n    profile: serial.json\n    path: /dev/ttyUSB0\n`, 'E_BENCH_SAME_PORT', '/devices/1', 6],
    ['two devices on one TCP address', `bench: lab\ndevices:\n  - name: a\n    profile: zvt.json\n  - name: b\n    profile: zvt.json\n`, 'E_BENCH_SAME_PORT', '/devices/1', 5],
    ['two devices with one USB serial number', `bench: lab\ndevices:\n  - name: a\n    profile: serial.json\n    match: { serialNumber: X1 }\n  - name: b\n    profile: serial.json\n    match: { serialNumber: X1 }\n`, 'E_BENCH_SAME_PORT', '/devices/1', 6],
    ['a serial device without a port', `bench: lab\ndevices:\n  - name: a\n    profile: serial.json\n`, 'E_BENCH_NO_PORT', '/devices/0', 3],
    ['a TCP port on a serial profile', `bench: lab\ndevices:\n  - name: a\n    profile: serial.json\n    port: 9\n`, 'E_BENCH_OVERRIDE', '/devices/0/port', 5],
    ['a path on a TCP profile', `bench: lab\ndevices:\n  - name: a\n    profile: zvt.json\n    path: /dev/ttyS0\n`, 'E_BENCH_OVERRIDE', '/devices/0/path', 5],
    ['both path and match', `bench: lab\ndevices:\n  - name: a\n    profile: serial.json\n    path: /dev/ttyS0\n    match: { serialNumber: X }\n`, 'E_BENCH_OVERRIDE', '/devices/0/match', 6],
    ['a seed without a simulator', `bench: lab\ndevices:\n  - name: a\n    profile: zvt.json\n    seed: 3\n`, 'E_BENCH_OVERRIDE', '/devices/0/seed', 5],
    ['a bad vendor id', `bench: lab\ndevices:\n  - name: a\n    profile: serial.json\n    match: { vendorId: acme }\n`, 'E_SCHEMA', '/devices/0/match/vendorId', 5],
    ['no devices', `bench: lab\ndevices: []\n`, 'E_SCHEMA', '/devices', 2],
  ];
  it.each(bad)('names the file, pointer and line for %s', (_what, yaml, code, pointer, line) => {
    const error = inputError(() => load(yaml));
    expect(error.code).toBe(code);
    expect(error.exitCode).toBe(2);
    expect(error.context.file).toMatch(/lab\.bench\.yaml$/);
    expect(error.context.pointer).toBe(pointer);
    expect(error.context.line).toBe(line);
  });

  it('sees a by-id link and the tty it points to as one port', () => {
    const dir = benchDir();
    writeFileSync(join(dir, 'ttyFAKE0'), '');
    symlinkSync(join(dir, 'ttyFAKE0'), join(dir, 'usb-FTDI_X-if00-port0'));
    const error = inputError(() =>
      load(`bench: lab\ndevices:\n  - name: a\n    profile: serial.json\n    path: ${join(dir, 'usb-FTDI_X-if00-port0')}\n  - name: b\n    profile: serial.json\n    path: ${join(dir, 'ttyFAKE0')}\n`, dir),
    );
    expect(error.code).toBe('E_BENCH_SAME_PORT');
    expect(error.message).toContain('"a" and "b"');
  });

  it('reports a broken profile from where the bench names it', () => {
    const dir = benchDir();
    writeFileSync(join(dir, 'broken.json'), JSON.stringify({ name: 'x', protocol: 'morse', transport: { type: 'tcp', host: 'h' } }));
    const error = inputError(() => load(`bench: lab\ndevices:\n  - name: a\n    profile: broken.json\n`, dir));
    expect(error.context.pointer).toBe('/devices/0/profile');
    expect(error.message).toMatch(/broken\.json.*protocol/);
  });

  it('keeps a number label as written: YAML reads 2.10 as 2.1, the label of other terminals', () => {
    const bench = load(`bench: lab\ndevices:\n  - name: a\n    profile: sim.json\n    labels: { slot: 007, firmware: 2.10 }\n  - name: b\n    profile: sim.json\n    labels:\n      firmware: 2.10 # the candidate\n      rack: 3\n`);
    expect(bench.devices.map((d) => [d.labels['firmware'], d.labels['slot'] ?? d.labels['rack']])).toEqual([
      ['2.10', '007'],
      ['2.10', '3'],
    ]);
  });
});

describe('withSeed', () => {
  it.each([
    [['--tcp', 'x', '--seed', '1'], 9, ['--tcp', 'x', '--seed', '9']],
    [['--pty'], 9, ['--pty', '--seed', '9']],
    [['--seed', '1', '--pty'], 0, ['--seed', '0', '--pty']],
  ])('%j with seed %d is %j', (args, seed, expected) => {
    expect(withSeed(args, seed)).toEqual(expected);
  });
});
