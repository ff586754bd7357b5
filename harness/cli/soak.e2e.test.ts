/**
 * A soak over the real simulator, kept short for CI (~1 min, the two runs side by side): a timed,
 * paced load records its windows with the terminal's health and poshil's own memory, and a drift
 * limit fails, naming both windows, when the simulator is told to slow down halfway.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { LoadSeries } from '../core/load-series.js';
import type { StepRecord } from '../core/record.js';
import { poshil, readRecordJson, ROOT, runDir, simulatorProfile, workspace } from './test-support/cli.js';

const recordAjv = new Ajv({ allErrors: true, strict: false });
addFormats.default(recordAjv);
const validateRecord = recordAjv.compile(JSON.parse(readFileSync(join(ROOT, 'harness/config/schemas/record.schema.json'), 'utf8')) as object);

const CARDS = readFileSync(join(ROOT, 'suites/fixtures/cards.json'), 'utf8');

function soakSuite(load: string): string {
  return `suite: soak\ncases:\n  - id: steady\n    steps:\n      - load:\n          fixture: cards/visa-approved\n${load.replace(/^/gm, '          ')}\n`;
}

async function soak(load: string, simulatorArgs: string[] = [], extraFiles: Record<string, string> = {}) {
  const dir = workspace({ 'sim.json': simulatorProfile('tcp', simulatorArgs), 'soak.suite.yaml': soakSuite(load), 'fixtures/cards.json': CARDS, ...extraFiles });
  const result = await poshil(['run', '--device', join(dir, 'sim.json'), join(dir, 'soak.suite.yaml'), '--out', join(dir, 'out')], { cwd: dir, timeout: 150_000 });
  const run = runDir(join(dir, 'out'));
  const record = readRecordJson(run);
  const step = record.suites[0]!.cases[0]!.attempts[0]!.steps[0]! as StepRecord;
  return { dir, run, result, record, step, series: step.details!['series'] as LoadSeries };
}

describe.concurrent('a soak over the simulator', () => {
  it('records a window every 10 s with the transactions, the terminal\'s health and poshil\'s own memory', { timeout: 160_000 }, async () => {
    const { result, record, step, series, run } = await soak('duration: 40s\nrate: 5/s\nwindow: 10s\nwindowLimits: { successRate: { min: 99 } }\ndrift: { successRate: 1, p50: 250 }');
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(validateRecord(record), JSON.stringify(validateRecord.errors)).toBe(true);
    expect(step.label).toBe('load sale for 40s at 5/s');
    expect(series.windowMs).toBe(10_000);
    expect(series.windows.map((w) => [w.index, w.startMs, w.partial ?? false])).toEqual([
      [0, 0, false],
      [1, 10_000, false],
      [2, 20_000, false],
      [3, 30_000, false],
    ]);
    expect(series.windows.at(-1)!.endMs).toBeGreaterThanOrEqual(40_000);
    expect(series.drift).toEqual({ first: 0, last: 3 });
    // 5 arrivals a second: 200 in all, about 50 completing in each window.
    expect(series.windows.reduce((n, w) => n + w.transactions, 0)).toBe(200);
    for (const w of series.windows) {
      expect(w.transactions).toBeGreaterThan(25);
      expect(w.successRate).toBe(100);
      expect(w.p99).toBeGreaterThan(0);
      expect(w.terminal).toMatchObject({ freeMemoryKb: expect.any(Number), temperatureC: expect.any(Number) });
      expect(w.harness.rssMiB).toBeGreaterThan(20);
      expect(w.harness.heapUsedMiB).toBeGreaterThan(1);
      expect(w.harness.loopDelayP99Ms).toBeGreaterThanOrEqual(0);
    }
    // The simulated terminal warms up under a steady stream of sales.
    expect(series.windows.at(-1)!.terminal!.temperatureC!).toBeGreaterThan(series.windows[0]!.terminal!.temperatureC!);
    expect(step.measurements!.map((m) => [m.name, m.verdict])).toEqual(expect.arrayContaining([['successRate drift', 'PASS'], ['p50 drift', 'PASS']]));
    expect(readFileSync(join(run, 'junit.xml'), 'utf8')).toMatch(/<system-out>step 1 \(load sale for 40s at 5\/s\): 4 windows of 10 s\nwindow 1 0:00–0:10: \d+ transactions/);
    expect(readFileSync(join(run, 'report.html'), 'utf8')).toContain('load sale for 40s at 5/s: latency per window');
  });

  it('fails the drift limit, naming the first and last window, when the terminal slows down halfway', { timeout: 160_000 }, async () => {
    const plan = 'faults:\n  - { afterMs: 28000, fault: slowDown, durationMs: 400 }\n';
    const { dir, result, step, series, run } = await soak('duration: 60s\nrate: 2/s\nwindow: 10s\ndrift: { p99: 100% }', ['--faults', 'slowdown.yaml'], { 'slowdown.yaml': plan });
    expect(dir).toBeTruthy();
    expect(result.exitCode, result.stdout + result.stderr).toBe(1);
    expect(series.windows).toHaveLength(6);
    expect(step.outcome).toBe('FAIL');
    expect(step.reason, step.reason).toMatch(/^p99 drift from window 1 \(0:00–0:10\) to window 6 \(0:50–1:0\d\): [\d.]+ → [\d.]+ ms, worse by [\d.]+ %, above the allowed 100 %/);
    const last = series.windows.at(-1)!;
    expect(last.p99!).toBeGreaterThan(400);
    expect(series.windows[0]!.p99!).toBeLessThan(last.p99! / 2);
    expect(step.measurements!.find((m) => m.name === 'p99 drift')).toMatchObject({ unit: '%', limits: { max: 100 }, verdict: 'FAIL' });
    expect(step.expected).toEqual({ perWindow: {}, drift: { p99: '100%' } });
    expect(readFileSync(join(run, 'junit.xml'), 'utf8')).toMatch(/<failure message="step 1 \(load sale for 1m at 2\/s\): p99 drift from window 1/);
  });

  it('refuses a concurrency the terminal cannot take before anything starts, naming the file, pointer and line', async () => {
    const dir = workspace({ 'sim.json': simulatorProfile('tcp'), 'busy.suite.yaml': soakSuite('count: 100\nconcurrency: 4'), 'fixtures/cards.json': CARDS });
    const result = await poshil(['run', '--device', join(dir, 'sim.json'), join(dir, 'busy.suite.yaml'), '--out', join(dir, 'out')], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("concurrency 4 is more than the terminal takes at once (the profile's maxConcurrentSales is 1)");
    expect(result.stderr).toMatch(/busy\.suite\.yaml:8 at \/cases\/0\/steps\/0\/load\/concurrency/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses it on a bench too, before any device starts: each device runs its own load', async () => {
    const dir = workspace({ 'busy.suite.yaml': soakSuite('count: 100\nconcurrency: 4'), 'fixtures/cards.json': CARDS });
    const bench = join(ROOT, 'devices/benches/simulators.bench.yaml');
    const result = await poshil(['run', '--bench', bench, '--lab', join(dir, 'lab'), '--out', join(dir, 'out'), join(dir, 'busy.suite.yaml')], { cwd: dir });
    expect(result.exitCode, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toMatch(/busy\.suite\.yaml:8 at \/cases\/0\/steps\/0\/load\/concurrency/);
    expect(result.stderr).toContain('poshil run --bench');
  });
});
