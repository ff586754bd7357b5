import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../core/paths.js';
import { inputError } from '../core/test-support/thrown.js';
import { expandSuitePaths, loadRunInputs } from './inputs.js';

const root = mkdtempSync(join(tmpdir(), 'poshil-inputs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const suite = (id: string) => `suite: ${id}\ncases:\n  - id: c\n    steps:\n      - do: status\n`;
const simulator = join(packageRoot(), 'devices', 'simulator.json');

describe('expandSuitePaths and the suites of a run', () => {
  it('takes a file named twice — directly, through its folder, by a relative path or a link — once, where first named', () => {
    const dir = join(root, 'twice');
    mkdirSync(join(dir, 'suites'), { recursive: true });
    writeFileSync(join(dir, 'suites', 'a.suite.yaml'), suite('a'));
    writeFileSync(join(dir, 'suites', 'b.suite.yaml'), suite('b'));
    symlinkSync(join(dir, 'suites', 'a.suite.yaml'), join(dir, 'linked.suite.yaml'));
    symlinkSync(join(dir, 'suites'), join(dir, 'linked-suites'));
    const a = join(dir, 'suites', 'a.suite.yaml');
    const b = join(dir, 'suites', 'b.suite.yaml');
    expect(expandSuitePaths([join(dir, 'suites'), a])).toEqual([a, b]);
    expect(expandSuitePaths([a, join(dir, 'suites')])).toEqual([a, b]);
    expect(expandSuitePaths([relative(process.cwd(), a), join(dir, 'suites', '..', 'suites', 'a.suite.yaml'), join(dir, 'linked.suite.yaml'), join(dir, 'linked-suites')])).toEqual([a, join(dir, 'linked-suites', 'b.suite.yaml')]);
    expect(loadRunInputs(simulator, [join(dir, 'suites'), a, join(dir, 'linked.suite.yaml')]).suites.map((s) => s.id)).toEqual(['a', 'b']);
  });

  it('still refuses two different files with one suite id', () => {
    const dir = join(root, 'same-id');
    mkdirSync(dir);
    writeFileSync(join(dir, 'one.suite.yaml'), suite('smoke'));
    writeFileSync(join(dir, 'two.suite.yaml'), suite('smoke'));
    const error = inputError(() => loadRunInputs(simulator, [join(dir, 'one.suite.yaml'), dir]));
    expect(error.code).toBe('E_DUPLICATE_SUITE');
    expect(error.message).toMatch(/^suite id "smoke" is used by .*one\.suite\.yaml and .*two\.suite\.yaml$/);
  });
});
