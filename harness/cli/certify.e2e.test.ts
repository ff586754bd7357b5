/**
 * Certification from the outside: keygen, certify on the simulator, verify, tamper, verify
 * again; and compare two runs of different firmware.
 */
import { chmodSync, existsSync, lstatSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { poshil, ROOT, runDir, simulatorProfile, workspace } from './test-support/cli.js';

const plan = join(ROOT, 'suites/plans/acceptance.plan.yaml');

describe('certify, verify, compare (black box)', () => {
  it('issues a signed certificate that verifies, and names the file when one byte changes', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp') });
    expect((await poshil(['keygen', '--out', join(dir, 'lab')])).exitCode).toBe(0);
    const out = join(dir, 'out');
    const result = await poshil(['certify', '--plan', plan, '--device', join(dir, 'sim.json'), '--key', join(dir, 'lab.key'), '--lab', 'Bench <2>', '--tester', 'A. Tester', '-o', out], { timeout: 120_000 });
    expect(result.stdout).toContain('CERTIFIED: plan pos-acceptance 1.0');
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const run = runDir(out);
    const certificate = JSON.parse(readFileSync(join(run, 'certificate.json'), 'utf8')) as { verdict: string; waivers: { applied: boolean }[]; lab: { name: string }; cases: unknown[] };
    expect(certificate.verdict).toBe('CERTIFIED');
    // The record carries the same verdict, so JUnit and the report show it too.
    expect((JSON.parse(readFileSync(join(run, 'record.json'), 'utf8')) as { plan: unknown }).plan).toEqual({ id: 'pos-acceptance', version: '1.0', met: true, reasons: [] });
    expect(certificate.lab.name).toBe('Bench <2>');
    expect(readFileSync(join(run, 'certificate.html'), 'utf8')).toContain('Bench &lt;2&gt;');
    expect(JSON.stringify(certificate)).not.toContain('PRIVATE KEY');

    const verified = await poshil(['verify', run, '--key', join(dir, 'lab.pub')]);
    expect(verified.exitCode, verified.stdout).toBe(0);
    expect(verified.stdout).toMatch(/^verified: \d+ files/);

    for (const file of ['transcript/00001.ndjson', 'record.json', 'certificate.html', 'certificate.json']) {
      const path = join(run, file);
      const original = readFileSync(path);
      const flipped = Buffer.from(original);
      const at = Math.floor(flipped.length / 2);
      flipped[at] = flipped[at]! ^ 0x01;
      writeFileSync(path, flipped);
      const tampered = await poshil(['verify', run, '--key', join(dir, 'lab.pub')]);
      expect(tampered.exitCode, file).toBe(1);
      expect(tampered.stdout).toContain(file);
      writeFileSync(path, original);
    }
    // The same bytes moved out of the bundle and linked back: every hash matches, and the bundle is not whole.
    const elsewhere = workspace();
    for (const name of ['transcript', 'report.html']) {
      renameSync(join(run, name), join(elsewhere, name));
      symlinkSync(join(elsewhere, name), join(run, name));
    }
    const linked = await poshil(['verify', run, '--key', join(dir, 'lab.pub')]);
    expect(linked.exitCode, linked.stdout).toBe(1);
    expect(linked.stdout).toContain(`NOT VERIFIED:\n  - report.html: a symbolic link (to ${join(elsewhere, 'report.html')}); verify follows no link`);
    expect(linked.stdout).toContain(`\n  - transcript: a symbolic link (to ${join(elsewhere, 'transcript')}); verify follows no link`);
    for (const name of ['transcript', 'report.html']) {
      rmSync(join(run, name));
      renameSync(join(elsewhere, name), join(run, name));
    }
    expect((await poshil(['verify', run, '--key', join(dir, 'lab.pub')])).exitCode).toBe(0);

    const other = workspace();
    await poshil(['keygen', '--out', join(other, 'other')]);
    const wrongKey = await poshil(['verify', run, '--key', join(other, 'other.pub')]);
    expect(wrongKey.exitCode).toBe(1);
    expect(wrongKey.stdout).toContain('not with the key given');
    // The signing key itself is refused: checking needs only the public half.
    const privateKey = await poshil(['verify', run, '--key', join(dir, 'lab.key')]);
    expect(privateKey.exitCode).toBe(2);
    expect(privateKey.stderr).toContain('is a private key: checking a certificate needs only the public key [E_KEY]');

    // A file added under a name that would paint a line of its own on the console is named, escaped.
    const painted = join(run, 'a\n\x1b[2Averified: 9 files, verdict CERTIFIED\x1b[K');
    writeFileSync(painted, 'x');
    const added = await poshil(['verify', run, '--key', join(dir, 'lab.pub')]);
    expect(added.exitCode).toBe(1);
    expect(added.stdout).toContain('a\\x0a\\x1b[2Averified: 9 files, verdict CERTIFIED\\x1b[K: not in the manifest');
    expect(added.stdout).not.toContain('\x1b');
    rmSync(painted);

    // A certificate whose run was taken out is damaged, not an internal error.
    const certificatePath = join(run, 'certificate.json');
    const signed = readFileSync(certificatePath, 'utf8');
    writeFileSync(certificatePath, JSON.stringify({ ...JSON.parse(signed), run: null }, null, 2) + '\n');
    const runless = await poshil(['verify', run, '--key', join(dir, 'lab.pub')]);
    expect(runless.exitCode).toBe(1);
    expect(runless.stdout).toContain('certificate.json: no run named (changed or damaged)');
    writeFileSync(certificatePath, signed);
  }, 150_000);

  it('keygen writes to keys/ by default, where the private key is git-ignored', async () => {
    const dir = workspace();
    const result = await poshil(['keygen'], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(statSync(join(dir, 'keys/poshil-lab.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir, 'keys/poshil-lab.pub'))).toBe(true);
    // --force replaces the files: a key written over a readable file, or through a link, would keep
    // the old file's mode or land wherever the link points.
    chmodSync(join(dir, 'keys/poshil-lab.key'), 0o644);
    writeFileSync(join(dir, 'elsewhere.txt'), 'not a key\n');
    rmSync(join(dir, 'keys/poshil-lab.pub'));
    symlinkSync(join(dir, 'elsewhere.txt'), join(dir, 'keys/poshil-lab.pub'));
    expect((await poshil(['keygen', '--force'], { cwd: dir })).exitCode).toBe(0);
    expect(statSync(join(dir, 'keys/poshil-lab.key')).mode & 0o777).toBe(0o600);
    expect(lstatSync(join(dir, 'keys/poshil-lab.pub')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(dir, 'elsewhere.txt'), 'utf8')).toBe('not a key\n');
    // The repository ignores every *.key, wherever keygen was told to write it.
    for (const path of ['keys/poshil-lab.key', 'lab.key']) expect((await execa('git', ['check-ignore', '-q', path], { cwd: ROOT, reject: false })).exitCode, path).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('does not certify a terminal with a planted defect, and says why', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp', ['--defect', 'accept-expired']) });
    await poshil(['keygen', '--out', join(dir, 'lab')]);
    const result = await poshil(['certify', '--plan', plan, '--device', join(dir, 'sim.json'), '--key', join(dir, 'lab.key'), '-o', join(dir, 'out')], { timeout: 120_000 });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('NOT CERTIFIED');
    expect(result.stdout).toMatch(/mandatory case card-swipe\/expired-refused (FAIL|TIMEOUT)/);
    expect(result.stderr).toContain('warning: no --lab or --tester given; the certificate will show "—" for them');
    // An untouched NOT CERTIFIED bundle verifies; --certified makes the verdict count for a script.
    const run = runDir(join(dir, 'out'));
    expect((await poshil(['verify', run, '--key', join(dir, 'lab.pub')])).exitCode).toBe(0);
    const gate = await poshil(['verify', run, '--key', join(dir, 'lab.pub'), '--certified']);
    expect(gate.exitCode).toBe(1);
    expect(gate.stdout).toContain('not certified: the verdict is NOT CERTIFIED (--certified)');
  }, 150_000);

  it('certifies a clean firmware upgrade with the upgrade plan', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp') });
    await poshil(['keygen', '--out', join(dir, 'lab')]);
    const result = await poshil(['certify', '--plan', join(ROOT, 'suites/plans/upgrade.plan.yaml'), '--device', join(dir, 'sim.json'), '--key', join(dir, 'lab.key'), '-o', join(dir, 'out')], { timeout: 120_000 });
    expect(result.stdout).toContain('CERTIFIED: plan firmware-upgrade 1.0');
    expect(result.exitCode).toBe(0);
    const certificate = JSON.parse(readFileSync(join(runDir(join(dir, 'out')), 'certificate.json'), 'utf8')) as { device: { identity: { firmware: string }; identityAtStart: { firmware: string } } };
    expect(certificate.device.identity.firmware).toBe('1.5.0');
    expect(certificate.device.identityAtStart.firmware).toBe('1.4.2');
  }, 150_000);

  it('compare shows the regression of a slower firmware', async () => {
    const dir = workspace({
      'old.json': simulatorProfile('tcp', ['--firmware', '1.4.2']),
      'new.json': simulatorProfile('tcp', ['--firmware', '1.5.0', '--defect', 'slow-transactions']),
      'quick.suite.yaml': `suite: quick
cases:
  - id: sale
    steps:
      - do: sale
        args: { amount: 1000, currency: EUR }
      - id: swipe
        stimulus: swipe
        args: { track: ";4111111111111111=30121010000000000000?" }
      - await: transaction.completed
        within: 8000
        measure: { name: authorisation, unit: ms, since: swipe, max: 3000 }
`,
    });
    await poshil(['run', '-d', join(dir, 'old.json'), '-o', join(dir, 'a'), join(dir, 'quick.suite.yaml')]);
    await poshil(['run', '-d', join(dir, 'new.json'), '-o', join(dir, 'b'), join(dir, 'quick.suite.yaml')]);
    const before = join(runDir(join(dir, 'a')), 'record.json');
    const after = join(runDir(join(dir, 'b')), 'record.json');
    const result = await poshil(['compare', before, after, '--html', join(dir, 'compare.html')]);
    expect(result.exitCode, result.stdout).toBe(1);
    expect(result.stdout).toContain('firmware 1.5.0');
    expect(result.stdout).toMatch(/regressed\s+quick\/sale\s+PASS → FAIL/);
    expect(result.stdout).toMatch(/quick\/sale\/authorisation: [\d.]+ → [\d.]+ ms/);
    expect(readFileSync(join(dir, 'compare.html'), 'utf8')).toContain('WORSE');
    const same = await poshil(['compare', before, before]);
    expect(same.exitCode).toBe(0);
  }, 60_000);
});
