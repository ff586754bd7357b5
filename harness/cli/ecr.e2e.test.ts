/**
 * Every bundled suite over each shipped ECR protocol description, against the simulator built
 * from the same description, through TCP and through a real pty: each case passes or is
 * SKIPPED with its reason. And the CLI around descriptions: validate, decode, sim.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { poshil, readRecordJson, ROOT, runDir, workspace, transcriptEntries, transcriptText } from './test-support/cli.js';

const SUITES = readdirSync(join(ROOT, 'suites'))
  .filter((f) => f.endsWith('.suite.yaml'))
  .map((f) => join(ROOT, 'suites', f));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function temp(files: Record<string, string | object> = {}): string {
  const dir = workspace(files);
  dirs.push(dir);
  return dir;
}

const template = join(ROOT, 'devices', 'protocols', 'template.ecr.yaml');
const templateProfile = (kind: 'tcp' | 'pty') => ({
  name: `template example (${kind})`,
  protocol: 'ecr',
  ecrProtocol: template,
  transport: kind === 'tcp' ? { type: 'tcp', host: '127.0.0.1' } : { type: 'serial', baudRate: 9600 },
  capabilities: ['magstripe', 'printer'],
  simulator: { args: kind === 'tcp' ? ['--tcp', '127.0.0.1:0', '--seed', '42'] : ['--pty', '--seed', '42'] },
  defaultStimulus: { via: 'simulator' },
});

/** What must pass over each description: what its messages can show. */
const RUNS: { name: string; profile: () => string; mustPass: string[]; mustSkip?: string[] }[] = [
  // The vendor protocols carry no log lines: a check that the log holds no card data cannot pass there.
  { name: 'Concert V2 over TCP', profile: () => join(ROOT, 'devices', 'simulator-concert.json'), mustPass: ['throughput/back-to-back-sales'], mustSkip: ['card-swipe/no-card-data-in-device-log'] },
  { name: 'Concert V2 over a pty', profile: () => join(ROOT, 'devices', 'simulator-concert-pty.json'), mustPass: ['throughput/back-to-back-sales'] },
  { name: 'Nexi over TCP', profile: () => join(ROOT, 'devices', 'simulator-nexi.json'), mustPass: ['throughput/back-to-back-sales'], mustSkip: ['card-swipe/no-card-data-in-device-log'] },
  { name: 'Nexi over a pty', profile: () => join(ROOT, 'devices', 'simulator-nexi-pty.json'), mustPass: ['throughput/back-to-back-sales'] },
  ...(['tcp', 'pty'] as const).map((kind) => ({
    name: `the template over ${kind}`,
    profile: () => join(temp({ 'template.json': templateProfile(kind) }), 'template.json'),
    mustPass: ['smoke/identify', 'smoke/status-idle', 'smoke/abort-when-idle', 'card-swipe/mastercard-track2-only', 'card-swipe/declined-by-issuer', 'printing/customer-receipt-content', 'printing/merchant-and-customer-copies', 'throughput/back-to-back-sales'],
  })),
];

describe('all bundled suites over the shipped ECR protocol descriptions (black box)', () => {
  for (const run of RUNS) {
    it(`${run.name}: every case passes or is SKIPPED with its reason`, async () => {
      const out = join(temp(), 'out');
      const result = await poshil(['run', '-d', run.profile(), '-o', out, ...SUITES], { timeout: 240_000 });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      const dir = runDir(out);
      const record = readRecordJson(dir);
      expect(record.device.protocol).toBe('ecr');
      const cases = record.suites.flatMap((s) => s.cases.map((c) => ({ key: `${s.id}/${c.id}`, ...c })));
      for (const c of cases) {
        expect(['PASS', 'SKIPPED'], `${c.key}: ${c.outcome} ${c.reason ?? ''}`).toContain(c.outcome);
        if (c.outcome === 'SKIPPED') expect(c.reason).toMatch(/the terminal lacks \S|the ecr:[a-z0-9-]+ driver cannot send \S/);
      }
      for (const key of run.mustPass) expect(cases.find((c) => c.key === key)?.outcome, key).toBe('PASS');
      for (const key of run.mustSkip ?? []) expect(cases.find((c) => c.key === key)?.outcome, key).toBe('SKIPPED');
      // The transcript holds the frames as they went over the wire, each acknowledged.
      const transcript = transcriptEntries(dir);
      const link = transcript.filter((t) => t.channel === 'link');
      expect(link.some((t) => t.dir === 'tx' && t.hex?.startsWith('02'))).toBe(true);
      expect(link.some((t) => t.dir === 'rx' && t.hex === '06')).toBe(true);
    }, 300_000);
  }
});

describe('a run in which no case could run', () => {
  it('is no pass: exit 2, saying every selected case was skipped, with each reason in the record', async () => {
    const out = join(temp(), 'out');
    const result = await poshil(['run', '-d', join(ROOT, 'devices', 'simulator-concert.json'), '-o', out, join(ROOT, 'suites', 'card-swipe.suite.yaml')], { timeout: 120_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(/no case ran: all \d+ selected case\(s\) were skipped on this terminal \[E_NOTHING_RAN\]/);
    const record = readRecordJson(runDir(out));
    expect(record.summary.outcome).toBe('SKIPPED');
    expect(record.suites[0]!.cases.every((c) => c.outcome === 'SKIPPED' && c.reason)).toBe(true);
  }, 150_000);

  it('nor is a bench run in which no device ran one', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'ecr.bench.yaml'), `bench: ecr\ndevices:\n  - name: concert\n    profile: ${join(ROOT, 'devices', 'simulator-concert.json')}\n  - name: nexi\n    profile: ${join(ROOT, 'devices', 'simulator-nexi.json')}\n`);
    const result = await poshil(['run', '--bench', join(dir, 'ecr.bench.yaml'), '--in-process-simulators', '--lab', join(dir, 'lab'), '-o', join(dir, 'out'), join(ROOT, 'suites', 'card-swipe.suite.yaml')], { timeout: 120_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(2);
    expect(result.stdout).toMatch(/concert +SKIPPED/);
    expect(result.stderr).toContain('no case ran: every selected case was skipped on every device [E_NOTHING_RAN]');
  }, 150_000);
});

describe('a garbled link', () => {
  it('garbage between Concert frames is skipped, kept in the transcript, and the sale still completes', async () => {
    const dir = temp({ 'plan.yaml': 'faults:\n  - { on: card.read, fault: garble, nth: 1 }\n' });
    const profile = {
      name: 'concert, garbled once',
      protocol: 'ecr',
      ecrProtocol: join(ROOT, 'devices', 'protocols', 'concert-v2.ecr.yaml'),
      transport: { type: 'tcp', host: '127.0.0.1' },
      capabilities: ['magstripe'],
      simulator: { args: ['--tcp', '127.0.0.1:0', '--seed', '42', '--faults', join(dir, 'plan.yaml')] },
      defaultStimulus: { via: 'simulator' },
    };
    const profilePath = join(temp({ 'p.json': profile }), 'p.json');
    const out = join(dir, 'out');
    const result = await poshil(['run', '-d', profilePath, '-o', out, '--grep', 'back-to-back-sales', join(ROOT, 'suites', 'throughput.suite.yaml')], { timeout: 120_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const transcript = transcriptText(runDir(out));
    expect(transcript).toMatch(/"channel":"link","dir":"note","text":"discarded 24 bytes: STRAY_BYTES"/);
  }, 150_000);
});

describe('the CLI around descriptions', () => {
  it('poshil validate checks descriptions and refuses a bad one with exit 2, file, pointer and line', async () => {
    const good = await poshil(['validate', ...['concert-v2', 'nexi-traditional', 'template'].map((n) => join(ROOT, 'devices', 'protocols', `${n}.ecr.yaml`))]);
    expect(good.exitCode, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toMatch(/ok {7}.*concert-v2\.ecr\.yaml \(ecr protocol\)/);
    const bad = readFileSync(template, 'utf8').replace('{ name: amount, width: 12, type: numeric, source: amount }', '{ name: amount, offset: 1, width: 12, type: numeric, source: amount }');
    const dir = temp({ 'bad.ecr.yaml': bad });
    const result = await poshil(['validate', join(dir, 'bad.ecr.yaml')], { cwd: dir });
    expect(result.exitCode).toBe(2);
    const line = bad.split('\n').findIndex((l) => l.includes('offset: 1, width: 12')) + 1;
    expect(result.stderr).toContain(`bad.ecr.yaml:${line}:`);
    expect(result.stderr).toContain('/messages/request/fields/1/offset');
    expect(result.stderr).toMatch(/overlaps field "command"/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('poshil decode ecr names the fields of a frame, and exits 2 on a bad checksum', async () => {
    const data = Buffer.from('01' + '00001250' + '0' + '1' + '0' + '978' + ' '.repeat(10) + 'A010' + 'B010', 'latin1');
    const lrc = [...data, 0x03].reduce((x, b) => x ^ b, 0);
    const frame = Buffer.concat([Buffer.of(0x02), data, Buffer.of(0x03, lrc)]).toString('hex');
    const protocol = join(ROOT, 'devices', 'protocols', 'concert-v2.ecr.yaml');
    const result = await poshil(['decode', 'ecr', '--protocol', protocol, frame]);
    expect(result.exitCode, result.stderr).toBe(0);
    const decoded = JSON.parse(result.stdout) as { message: string; fields: { name: string; value: string; offset: number }[] };
    expect(decoded.message).toBe('payment');
    expect(decoded.fields.find((f) => f.name === 'amount')).toMatchObject({ value: '00001250', offset: 2 });
    expect(decoded.fields.find((f) => f.name === 'transactionType')?.value).toBe('0');
    const bad = await poshil(['decode', 'ecr', '--protocol', protocol, frame.slice(0, -2) + (lrc === 0xff ? '00' : 'ff')]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/BAD_CHECKSUM/);
  });

  it('poshil sim --protocol ecr needs --ecr-protocol', async () => {
    const result = await poshil(['sim', '--protocol', 'ecr', '--tcp', '127.0.0.1:0']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/--protocol ecr and --ecr-protocol FILE go together/);
  });
});
