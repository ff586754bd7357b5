/**
 * A bench of eight simulated terminals of every kind poshil drives (bench protocol, ZVT and both
 * vendor ECR protocols; TCP and ptys) in one run, its health check, and its one record as
 * `report` and `compare` read it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { BenchSummary } from '../bench/summary.js';
import type { RunRecord } from '../core/record.js';
import { poshil, readRecordJson, ROOT, runDir, simulatorProfile, transcriptText, workspace } from './test-support/cli.js';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
const validateBench = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'harness/config/schemas/bench-run.schema.json'), 'utf8')) as object);
const validateRecord = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'harness/config/schemas/record.schema.json'), 'utf8')) as object);

const profile = (name: string) => join(ROOT, 'devices', `${name}.json`);
const DEVICES = [
  ['tcp-1', profile('simulator')],
  ['tcp-2', profile('simulator')],
  ['pty-1', profile('simulator-pty')],
  ['zvt-tcp', profile('simulator-zvt')],
  ['zvt-pty', profile('simulator-zvt-serial')],
  ['concert-tcp', profile('simulator-concert')],
  ['nexi-pty', profile('simulator-nexi-pty')],
  ['wrong-firmware', 'wrong-firmware.json'],
] as const;

const benchFile = ['bench: eight', 'quarantineAfter: 1', 'devices:', ...DEVICES.flatMap(([name, path], i) => [`  - name: ${name}`, `    profile: ${path}`, `    seed: ${500 + i}`])].join('\n') + '\n';

function benchRecord(out: string): { dir: string; summary: BenchSummary } {
  const dir = runDir(out);
  const summary = JSON.parse(readFileSync(join(dir, 'record.json'), 'utf8')) as BenchSummary;
  expect(validateBench(summary), JSON.stringify(validateBench.errors)).toBe(true);
  return { dir, summary };
}

describe('a bench of eight simulated terminals (black box)', () => {
  it('runs them all at once, keeps an unhealthy one from its cases, and leaves one record that report and compare read', async () => {
    const dir = workspace({ 'eight.bench.yaml': benchFile, 'wrong-firmware.json': { ...simulatorProfile('tcp'), health: { firmware: '9.9.9' } } });
    const bench = join(dir, 'eight.bench.yaml');
    const lab = join(dir, 'lab');
    const suite = join(ROOT, 'suites', 'smoke.suite.yaml');
    const first = await poshil(['run', '--bench', bench, '--lab', lab, '--out', join(dir, 'a'), suite], { timeout: 240_000 });
    expect(first.exitCode, first.stdout + first.stderr).toBe(3);
    const a = benchRecord(join(dir, 'a'));
    expect(a.summary.devices.map((d) => d.device)).toEqual(DEVICES.map(([name]) => name));
    for (const device of a.summary.devices.slice(0, 7)) {
      expect(device.outcome, `${device.device}: ${JSON.stringify(device)}`).toMatch(/^(PASS|SKIPPED)$/);
      const record: RunRecord = readRecordJson(join(a.dir, device.device));
      expect(validateRecord(record), JSON.stringify(validateRecord.errors)).toBe(true);
      expect(record).toMatchObject({ schemaVersion: 2, status: 'finished', bench: { benchRunId: a.summary.benchRunId, device: device.device } });
      expect(transcriptText(join(a.dir, device.device))).toMatch(/health check passed: identify in \d+ ms \(limit 2000 ms\), firmware /);
    }
    // The terminal answered, on other firmware than its profile expects: no case ran, and it is quarantined.
    const unhealthy = a.summary.devices[7]!;
    expect(unhealthy).toMatchObject({ outcome: 'ERROR', exitCode: 3, status: 'error', error: { code: 'E_HEALTH', message: expect.stringMatching(/failed its health check: it runs firmware 1\.4\.2, not 9\.9\.9$/) } });
    expect(unhealthy.health.state).toBe('quarantined');
    expect(readRecordJson(join(a.dir, 'wrong-firmware')).summary.passed).toBe(0);
    expect(first.stdout).toMatch(/wrong-firmware +ERROR .*not 9\.9\.9/);

    const second = await poshil(['run', '--bench', bench, '--lab', lab, '--out', join(dir, 'b'), suite], { timeout: 240_000 });
    expect(second.exitCode, second.stdout + second.stderr).toBe(0);
    expect(benchRecord(join(dir, 'b')).summary.devices[7]).toMatchObject({ outcome: 'NOT-RUN', skipped: expect.stringMatching(/^quarantined: 1 runs? in a row/) });

    // report: the bench record gives the device × suite page and one JUnit over every device.
    const latest = join(dir, 'a', 'latest', 'record.json');
    const junit = await poshil(['report', latest, '--format', 'junit']);
    expect(junit.exitCode, junit.stderr).toBe(0);
    expect(junit.stdout.match(/<testsuite /g)).toHaveLength(8);
    expect(junit.stdout).toContain('name="nexi-pty/smoke"');
    const page = await poshil(['report', latest]);
    expect(page.stdout).toContain('<a href="zvt-pty/report.html">zvt-pty</a>');

    // compare: device by device; a device that ran before and not after makes it worse.
    const later = join(runDir(join(dir, 'b')), 'record.json');
    const worse = await poshil(['compare', latest, later]);
    expect(worse.exitCode, worse.stdout + worse.stderr).toBe(1);
    expect(worse.stdout).toMatch(/== tcp-1 ==\n[\s\S]*3 still passing/);
    expect(worse.stdout).toMatch(/== nexi-pty ==\n[^=]*0 still passing, 3 still skipped, /);
    expect(worse.stdout).toMatch(/== wrong-firmware ==\nran before, not after: WORSE/);
    expect(worse.stdout).toMatch(/WORSE: wrong-firmware regressed$/);
    const better = await poshil(['compare', later, latest, '--json']);
    expect(better.exitCode, better.stdout + better.stderr).toBe(0);
    expect((JSON.parse(better.stdout) as { devices: { device: string; missing?: string }[] }).devices.find((d) => d.device === 'wrong-firmware')).toMatchObject({ missing: 'before' });
    const mixed = await poshil(['compare', latest, join(runDir(join(dir, 'b')), 'tcp-1', 'record.json')]);
    expect(mixed.exitCode).toBe(2);
    expect(mixed.stderr).toMatch(/is a bench run's record and .* one device's/);
  }, 600_000);
});
