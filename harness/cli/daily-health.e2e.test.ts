/**
 * The bundled daily health plan from the outside: `poshil run --plan` runs its cases on the
 * simulator and judges them by the plan, so a till on unexpected firmware fails the morning check.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { poshil, readRecordJson, ROOT, runDir, simulatorProfile, workspace } from './test-support/cli.js';

const plan = join(ROOT, 'suites/plans/daily-health.plan.yaml');

describe('daily health plan (black box)', () => {
  it('is a valid plan', async () => {
    const result = await poshil(['validate', plan]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  });

  it('runs green on the simulator with poshil run --plan', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp') });
    const out = join(dir, 'out');
    const result = await poshil(['run', '--device', join(dir, 'sim.json'), '--plan', plan, '--out', out, '--reporter', 'line'], { timeout: 120_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('plan daily-health 1.0: PASS');
    const record = readRecordJson(runDir(out));
    const cases = record.suites.flatMap((s) => s.cases.map((c) => `${c.suite}/${c.id} ${c.outcome}`));
    expect(cases).toEqual([
      'smoke/identify PASS',
      'smoke/status-idle PASS',
      'card-swipe/visa-approved PASS',
      'qr-scan/dynamic-qr-approved PASS',
      'printing/customer-receipt-content PASS',
      'network/host-round-trip PASS',
      'throughput/back-to-back-sales PASS',
    ]);
    expect(JSON.stringify(record.inputs)).toContain('daily-health.plan.yaml');
  }, 150_000);

  it('fails a terminal that runs other firmware than the stores expect, and says so', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp', ['--firmware', '2.0.0']) });
    const out = join(dir, 'out');
    const result = await poshil(['run', '--device', join(dir, 'sim.json'), '--plan', plan, '--out', out, '--reporter', 'line,github', '--grep', 'smoke/'], { timeout: 120_000 });
    expect(result.exitCode, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toContain('plan daily-health 1.0: FAIL');
    const why = "firmware 2.0.0 does not match the plan's /^1\\.4\\./";
    expect(result.stdout).toContain(why);
    // Every case passed; the verdict is the plan's, in every output CI reads, not only on the console.
    const record = readRecordJson(runDir(out));
    expect(record.summary.outcome).toBe('PASS');
    expect(record.plan).toEqual({ id: 'daily-health', version: '1.0', met: false, reasons: [why] });
    const junit = readFileSync(join(runDir(out), 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testsuites name="poshil" tests="3" failures="1" errors="0"/);
    expect(junit).toContain('<testcase classname="poshil.plan" name="daily-health 1.0"');
    expect(junit).toContain(`<failure message="plan not met: firmware 2.0.0 does not match the plan&apos;s /^1\\.4\\./" type="PLAN">`);
    expect(result.stdout).toMatch(/^::error file=.*daily-health\.plan\.yaml,title=poshil%3A plan daily-health 1\.0 not met::firmware 2\.0\.0/m);
    const html = readFileSync(join(runDir(out), 'report.html'), 'utf8');
    expect(html).toContain('<div class="banner FAIL">FAIL — 2 of 2 cases passed');
    expect(html).toMatch(/Plan daily-health 1\.0: <span class="badge FAIL">not met<\/span>/);
  }, 150_000);

  it('refuses suite files beside --plan', async () => {
    const result = await poshil(['run', '--device', 'devices/simulator.json', '--plan', plan, 'suites/smoke.suite.yaml']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("--plan runs the plan's own suites on one --device; leave out the suite files (suites/smoke.suite.yaml)");
  });
});
