import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { Expectations } from '../expect/expectations.js';
import { FixtureStore } from './fixtures.js';
import { loadSuite, type SuiteDefaults } from './suite.js';
import type { LoadStep } from './types.js';
import { inputError } from '../core/test-support/thrown.js';

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function loadStep(load: string, defaults: Partial<SuiteDefaults> = {}, extra = ''): LoadStep {
  const dir = mkdtempSync(join(tmpdir(), 'poshil-load-'));
  made.push(dir);
  const path = join(dir, 'soak.suite.yaml');
  writeFileSync(path, `suite: soak\ncases:\n  - id: soak\n    steps:\n      - load:\n${load.replace(/^/gm, '          ')}\n${extra}`);
  return loadSuite(path, new Expectations(), new FixtureStore(join(dir, 'fixtures')), { stepTimeoutMs: 1000, ...defaults }).cases[0]!.steps[0] as LoadStep;
}

describe('load steps in suites', () => {
  it('keep a load by count as it was: closed loop, one-minute windows, no health sampling', () => {
    const step = loadStep('count: 20');
    expect(step.load).toMatchObject({ count: 20, concurrency: 1, rampMs: 0, windowMs: 60_000, health: false, windowLimits: {}, drift: {} });
    expect(step.load.durationMs).toBeUndefined();
    expect(step).toMatchObject({ label: 'load 20 × sale', timeoutMs: 3_600_000 });
  });

  it('read a soak: duration, rate, ramp, window, window limits and drift, with a time limit derived from the duration', () => {
    const step = loadStep('duration: 2h\nrate: 5/s\nramp: 5m\nwindow: 1m\nwindowLimits: { p99: { max: 800 }, temperatureC: { max: 70 } }\ndrift: { p99: 20%, successRate: 1 }');
    expect(step.load).toMatchObject({ durationMs: 7_200_000, ratePerS: 5, rampMs: 300_000, windowMs: 60_000, health: true, windowLimits: { p99: { max: 800 }, temperatureC: { max: 70 } }, drift: { p99: { relative: 0.2 }, successRate: { absolute: 1 } } });
    expect(step.label).toBe('load sale for 2h at 5/s');
    expect(step.timeoutMs).toBe(7_200_000 + 2 * 10_000 + 60_000);
  });

  it('refuse a concurrency beyond what the terminal takes, naming the file, pointer and line', () => {
    const error = inputError(() => loadStep('count: 100\nconcurrency: 4', { maxConcurrentSales: 1 }));
    expect(error.code).toBe('E_CONCURRENCY');
    expect(error.context).toMatchObject({ pointer: '/cases/0/steps/0/load/concurrency', line: 7 });
    expect(error.context.file).toMatch(/soak\.suite\.yaml$/);
    expect(error.message).toMatch(/concurrency 4 is more than the terminal takes at once \(the profile's maxConcurrentSales is 1\)/);
    expect(error.context.hint).toMatch(/bench/);
    // A terminal that takes four, and a check without a terminal (`poshil validate`), accept it.
    expect(loadStep('count: 100\nconcurrency: 4', { maxConcurrentSales: 4 }).load.concurrency).toBe(4);
    expect(loadStep('count: 100\nconcurrency: 4').load.concurrency).toBe(4);
  });

  it('refuse drift that cannot be measured, a ramp as long as the load, and a time limit shorter than the duration', () => {
    expect(inputError(() => loadStep('duration: 90s\nwindow: 1m\ndrift: { p99: 20% }')).context).toMatchObject({ pointer: '/cases/0/steps/0/load/drift', line: 8 });
    expect(inputError(() => loadStep('duration: 1m\nramp: 1m')).context.pointer).toBe('/cases/0/steps/0/load/ramp');
    expect(inputError(() => loadStep('duration: 1h', {}, '        timeout: 60000\n')).message).toMatch(/shorter than its load's duration/);
  });

  it('refuse a load with neither count nor duration, and malformed times, through the schema', () => {
    expect(inputError(() => loadStep('rate: 5/s')).code).toBe('E_SCHEMA');
    expect(inputError(() => loadStep('duration: 2 hours')).context.pointer).toMatch(/load\/duration$/);
    expect(inputError(() => loadStep('count: 5\nrate: fast')).context.pointer).toMatch(/load\/rate$/);
    expect(inputError(() => loadStep('count: 5\ndrift: { p99: 20 percent }')).context.pointer).toMatch(/load\/drift\/p99$/);
  });
});
