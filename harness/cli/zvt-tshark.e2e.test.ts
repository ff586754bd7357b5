/**
 * An independent decoder agrees with poshil's ZVT frames: the traffic of a run is captured on
 * loopback and decoded by Wireshark's ZVT dissector (tshark) — command, amount, currency and
 * result code. Needs tshark and the right to capture (root, as in CI: .ci/run installs tshark).
 */
import { execa, execaSync } from 'execa';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { poshil, readRecordJson, ROOT, runDir, workspace } from './test-support/cli.js';

const tshark = execaSync('tshark', ['-v'], { reject: false }).exitCode === 0;
const root = process.getuid?.() === 0;

describe('ZVT frames against Wireshark', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!tshark || !root)(`agree with tshark's ZVT dissector (needs tshark and root to capture on lo: ${tshark ? 'has tshark' : 'no tshark'}, ${root ? 'root' : 'not root'})`, async () => {
    const dir = workspace({
      'zvt.json': { name: 'zvt', protocol: 'zvt', transport: { type: 'tcp', host: '127.0.0.1' }, capabilities: ['magstripe', 'printer', 'host', 'issuer-details'], simulator: { args: ['--protocol', 'zvt', '--tcp', '127.0.0.1:0', '--seed', '3'] }, defaultStimulus: { via: 'simulator' } },
    });
    dirs.push(dir);
    const pcap = join(dir, 'zvt.pcap');
    // The simulator takes a free port (never a fixed one), so all loopback TCP is captured and
    // tshark is told afterwards which port carried ZVT.
    const capture = execa('tshark', ['-i', 'lo', '-f', 'tcp', '-w', pcap], { reject: false });
    await new Promise<void>((resolve) => capture.stderr!.on('data', (chunk: Buffer) => chunk.toString().includes('Capturing on') && resolve()));
    const out = join(dir, 'out');
    const run = await poshil(['run', '-d', join(dir, 'zvt.json'), '-o', out, '--grep', 'card-swipe/(mastercard-track2-only|declined-by-issuer)', join(ROOT, 'suites/card-swipe.suite.yaml')]);
    expect(run.exitCode, run.stdout).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    capture.kill('SIGINT');
    await capture;
    const port = Number(/:(\d+)$/.exec(readRecordJson(runDir(out)).device.address)?.[1]);
    expect(port).toBeGreaterThan(0);
    const fields = await execa('tshark', ['-r', pcap, '-d', `tcp.port==${port},zvt`, '-Y', 'zvt', '-T', 'fields', '-E', 'separator=,', '-e', 'zvt.control_field', '-e', 'zvt.amount', '-e', 'zvt.result_code', '-e', 'zvt.cc']);
    const rows = fields.stdout.split('\n').map((l) => l.trim());
    expect(rows).toContain('0x0601,899,,0x0978'); // authorisation: EUR 8.99
    expect(rows).toContain('0x040f,899,0x00,0x0978'); // status information: approved
    expect(rows).toContain('0x0601,1251,,0x0978');
    expect(rows).toContain('0x040f,1251,0x51,0x0978'); // declined: host code 51
    expect(rows.some((r) => r.startsWith('0x06d1'))).toBe(true); // print lines
    expect(rows.some((r) => r.startsWith('0x061e'))).toBe(true); // the decline ends with Abort 06 1E
    const malformed = await execa('tshark', ['-r', pcap, '-d', `tcp.port==${port},zvt`, '-Y', '_ws.malformed']);
    expect(malformed.stdout.trim()).toBe('');
  }, 60_000);
});
