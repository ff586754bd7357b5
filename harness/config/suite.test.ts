import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, formatError } from '../core/errors.js';
import { Expectations } from '../expect/expectations.js';
import { FixtureStore } from './fixtures.js';
import { loadProfile } from './profile.js';
import { loadSuite } from './suite.js';
import { inputError } from '../core/test-support/thrown.js';

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'poshil-config-'));
  made.push(dir);
  mkdirSync(join(dir, 'fixtures'));
  writeFileSync(join(dir, 'fixtures', 'cards.json'), JSON.stringify({ good: { description: 'x', track: ';4111111111111111=3012101?' } }));
  return dir;
}

function load(yaml: string, dir = tempDir()) {
  const path = join(dir, 'x.suite.yaml');
  writeFileSync(path, yaml);
  return loadSuite(path, new Expectations(), new FixtureStore(join(dir, 'fixtures')), { stepTimeoutMs: 1234 });
}

const good = `suite: demo
cases:
  - id: one
    steps:
      - do: sale
        args: { amount: 100, currency: EUR }
      - stimulus: swipe
        fixture: cards/good
      - await: transaction.completed
        within: 800
        expect: { type: object }
`;

describe('loadSuite', () => {
  it('resolves a valid suite into steps with timeouts, fixtures and compiled expectations', () => {
    const suite = load(good);
    expect(suite.id).toBe('demo');
    const [sale, swipe, wait] = suite.cases[0]!.steps;
    expect(sale).toMatchObject({ kind: 'do', verb: 'sale', timeoutMs: 1234, label: 'do sale' });
    expect(swipe).toMatchObject({ kind: 'stimulus', args: { fixture: 'cards/good', track: ';4111111111111111=3012101?' } });
    expect(wait).toMatchObject({ kind: 'await', timeoutMs: 800 });
    expect(wait?.kind === 'await' && wait.expect?.check(5)).toEqual([{ path: '/', message: 'must be object, got 5' }]);
    expect(Object.isFrozen(suite)).toBe(true);
  });

  it('names the line of a YAML syntax error', () => {
    const error = inputError(() => load('suite: demo\ncases:\n  - id: one\n    steps: [\n'));
    expect(error.code).toBe('E_SYNTAX');
    expect(error.context.line).toBeGreaterThanOrEqual(4);
    expect(error.context.file).toMatch(/x\.suite\.yaml$/);
  });

  it('names the pointer and line of a schema violation', () => {
    const error = inputError(() => load(good.replace('within: 800', 'within: 800\n        color: red')));
    expect(error.code).toBe('E_SCHEMA');
    expect(error.context.pointer).toBe('/cases/0/steps/2/color');
    expect(error.message).toContain('unknown property "color"');
    expect(error.context.line).toBe(11);
  });

  it('checks the money in sale and refund args when the suite loads, in words, unless the step expects the refusal', () => {
    const suite = (args: string, extra = '') => `suite: demo\ncases:\n  - id: one\n    steps:\n      - do: refund\n        args: ${args}\n${extra}`;
    const error = inputError(() => load(suite('{ amount: "12.50", currency: eur }')));
    expect(error.message).toContain('/cases/0/steps/0/args/amount is "12.50"; expected a whole number of minor units ≥ 1 (1250 for 12.50), or ${NAME.path}');
    expect(error.context.also).toEqual(['line 6: /cases/0/steps/0/args/currency is "eur"; expected an ISO 4217 alphabetic code in capitals (EUR), or ${NAME.path}']);
    expect(load(suite('{ amount: 0, currency: eur }', '        expectError: { required: [code] }\n')).cases[0]!.steps).toHaveLength(1);
    expect(load(suite('{ amount: 1250, currency: EUR }')).cases).toHaveLength(1);
  });

  it('suggests the property a misspelt one most likely meant', () => {
    const error = inputError(() => load(good.replace('  - id: one', '  - id: one\n    mandatroy: true')));
    expect(error.message).toContain('/cases/0 has an unknown property "mandatroy" (did you mean "mandatory"?)');
  });

  it('lists further problems elsewhere in the file with their lines, so one pass fixes it', () => {
    const error = inputError(() => load(good.replace('suite: demo', 'suite: demo\ncolour: red').replace('  - id: one', '  - id: one\n    mandatroy: true')));
    expect(error.context.pointer).toBe('/cases/0/mandatroy');
    expect(error.context.also).toEqual(['line 2: the document has an unknown property "colour"']);
    expect(formatError(error)).toContain('\n  also:  line 2: the document has an unknown property "colour"\n');
  });

  it('shows an unknown property at its name, not at a value written on the lines below it', () => {
    const error = inputError(() => load(good.replace('within: 800', 'within: 800\n        expext:\n          type: object')));
    expect(error.context.pointer).toBe('/cases/0/steps/2/expext');
    expect([error.context.line, error.context.column]).toEqual([11, 9]);
  });

  it('rejects an unknown verb, naming the one meant or listing the known ones', () => {
    const error = inputError(() => load(good.replace('do: sale', 'do: teleport')));
    expect(error.context.pointer).toBe('/cases/0/steps/0/do');
    expect(error.message).toMatch(/must be one of: "identify", "status", "sale"/);
    const two = inputError(() => load(good.replace('do: sale', 'do: Sale').replace('stimulus: swipe', 'stimulus: swype')));
    expect(two.message).toContain('/cases/0/steps/0/do is "Sale": did you mean "sale"?');
    // A step's own kind leaves no other reading of it: its problems are listed too, not dropped as a branch's.
    expect(two.context.also).toEqual([expect.stringMatching(/^line \d+: \/cases\/0\/steps\/1\/stimulus is "swype": did you mean "swipe"\?$/)]);
    expect(error.context.line).toBe(5);
  });

  it('rejects an unknown event', () => {
    const error = inputError(() => load(good.replace('await: transaction.completed', 'await: transaction.done')));
    expect(error.context.pointer).toBe('/cases/0/steps/2/await');
  });

  it('says what a step needs when it has no kind', () => {
    const error = inputError(() => load(good.replace('      - do: sale\n        args: { amount: 100, currency: EUR }\n', '      - name: lost\n')));
    expect(error.context.pointer).toBe('/cases/0/steps/0');
    expect(error.message).toContain('needs one of do, stimulus, await');
  });

  it('reports a $ref to a missing file at the expectation', () => {
    const error = inputError(() => load(good.replace('expect: { type: object }', 'expect: { $ref: schemas/nope.json }')));
    expect(error.code).toBe('E_REF_NOT_FOUND');
    expect(error.context.pointer).toBe('/cases/0/steps/2/expect/$ref');
  });

  it('resolves a $ref to a schema file next to the suite', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'schemas'));
    writeFileSync(join(dir, 'schemas', 'approved.json'), JSON.stringify({ type: 'object', required: ['result'] }));
    const suite = load(good.replace('expect: { type: object }', 'expect: { $ref: schemas/approved.json }'), dir);
    const step = suite.cases[0]!.steps[2]!;
    expect(step.kind === 'await' && step.expect?.check({})).toEqual([{ path: '/', message: "must have required property 'result'" }]);
  });

  it('rejects an invalid JSON Schema in an expectation', () => {
    const error = inputError(() => load(good.replace('expect: { type: object }', 'expect: { type: objekt }')));
    expect(error.code).toBe('E_EXPECTATION');
    expect(error.context.pointer).toBe('/cases/0/steps/2/expect');
  });

  it('rejects a missing fixture, naming the known entries', () => {
    const error = inputError(() => load(good.replace('cards/good', 'cards/bad')));
    expect(error.code).toBe('E_FIXTURE_NOT_FOUND');
    expect(error.context.hint).toContain('good');
  });

  it('rejects duplicate case ids', () => {
    const error = inputError(() => load(good + good.split('\n').slice(2).join('\n')));
    expect(error.code).toBe('E_DUPLICATE_CASE');
    expect(error.context.pointer).toBe('/cases/1/id');
  });
});

describe('loadProfile', () => {
  it('needs a port when no simulator announces one', () => {
    const dir = tempDir();
    const path = join(dir, 'p.json');
    writeFileSync(path, JSON.stringify({ name: 'x', protocol: 'bench', transport: { type: 'tcp', host: 'localhost' } }, null, 2));
    const error = inputError(() => loadProfile(path));
    expect(error.context.pointer).toBe('/transport');
    expect(error.message).toContain('needs "port"');
  });

  it('rejects an unknown protocol with the pointer and line', () => {
    const dir = tempDir();
    const path = join(dir, 'p.json');
    writeFileSync(path, JSON.stringify({ name: 'x', protocol: 'smoke-signals', transport: { type: 'tcp', host: 'h', port: 1 } }, null, 2));
    const error = inputError(() => loadProfile(path));
    expect(error.context.pointer).toBe('/protocol');
    expect(error.context.line).toBe(3);
  });

  it('passes the simulated host latency to the launched simulator, and refuses max below min', () => {
    const dir = tempDir();
    const path = join(dir, 'p.json');
    const profile = (hostLatency: object) => ({ name: 'x', protocol: 'bench', transport: { type: 'tcp', host: '127.0.0.1' }, simulator: { args: ['--tcp', '127.0.0.1:0'], hostLatency } });
    writeFileSync(path, JSON.stringify(profile({ min: 0, max: 5 }), null, 2));
    expect(loadProfile(path).simulator?.args).toEqual(['--tcp', '127.0.0.1:0', '--host-latency', '0-5']);
    writeFileSync(path, JSON.stringify(profile({ min: 9, max: 5 }), null, 2));
    expect(inputError(() => loadProfile(path)).context.pointer).toBe('/simulator/hostLatency');
    writeFileSync(path, JSON.stringify(profile({ min: -1, max: 5 }), null, 2));
    expect(inputError(() => loadProfile(path)).context.pointer).toBe('/simulator/hostLatency/min');
  });

  it('loads the bundled profiles', () => {
    for (const name of ['simulator.json', 'simulator-pty.json', 'bench-terminal-usb.json']) {
      expect(loadProfile(join(import.meta.dirname, '../../devices', name)).protocol).toBe('bench');
    }
  });
});
