import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../core/paths.js';
import { inputError } from '../core/test-support/thrown.js';
import { Expectations } from '../expect/expectations.js';
import { loadPlan } from './plan.js';

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const plans = join(packageRoot(), 'suites', 'plans');
const load = (path: string) => loadPlan(path, new Expectations(), { stepTimeoutMs: 1000 });

describe('disruptive plans', () => {
  it('marks the firmware upgrade disruptive and the everyday checks not', () => {
    expect(load(join(plans, 'upgrade.plan.yaml')).disruptive).toBe(true);
    expect(load(join(plans, 'acceptance.plan.yaml')).disruptive).toBe(false);
    expect(load(join(plans, 'daily-health.plan.yaml')).disruptive).toBe(false);
  });

  it('names the file, pointer and line of a disruptive that is not true or false', () => {
    const dir = mkdtempSync(join(tmpdir(), 'poshil-plan-'));
    made.push(dir);
    const path = join(dir, 'bad.plan.yaml');
    writeFileSync(path, `plan: bad\nversion: "1"\ndisruptive: sometimes\nsuites:\n  - suite: ${join(packageRoot(), 'suites', 'smoke.suite.yaml')}\n`);
    const error = inputError(() => load(path));
    expect(error.context).toMatchObject({ pointer: '/disruptive', line: 3 });
    expect(error.context.file).toContain('bad.plan.yaml');
    expect(error.message).toMatch(/boolean/);
  });

  it('refuses a firmware requirement that is no regular expression, where it stands, before any run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'poshil-plan-'));
    made.push(dir);
    const path = join(dir, 'regex.plan.yaml');
    writeFileSync(path, `plan: regex\nversion: "1"\nrequires:\n  firmware: "^1.4.("\nsuites:\n  - suite: ${join(packageRoot(), 'suites', 'smoke.suite.yaml')}\n`);
    const error = inputError(() => load(path));
    expect(error.code).toBe('E_PLAN');
    expect(error.context).toMatchObject({ pointer: '/requires/firmware', line: 4 });
    expect(error.message).toMatch(/requires\.firmware is not a valid regular expression/);
  });
});
