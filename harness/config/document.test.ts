import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../core/paths.js';
import { inputError } from '../core/test-support/thrown.js';
import { loadDocument } from './document.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function write(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'poshil-document-'));
  dirs.push(dir);
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

const SUITE = 'suite: cached\ncases:\n  - id: one\n    steps:\n      - send: { cmd: identify }\n        expect: { type: object }\n';

/** Loads `path` in a process of its own with `cache` as the cache: the value, and whether yaml was loaded. */
function loadInChild(path: string, cache: string): { value: unknown; yamlLoaded: boolean; line: number | undefined } {
  const script = `
    import { createRequire } from 'node:module';
    const { loadDocument } = await import(${JSON.stringify(join(packageRoot(), 'dist/harness/config/document.js'))});
    const doc = loadDocument(${JSON.stringify(path)}, 'suite');
    const yamlLoaded = Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes('/node_modules/yaml/dist/'));
    console.log(JSON.stringify({ value: doc.value, yamlLoaded, line: doc.lineOf('/cases/0/steps/0/expect')?.line }));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, POSHIL_CACHE_DIR: cache } })) as never;
}

describe('loadDocument', () => {
  it('reads a YAML document parsed before from the cache, without the parser, and still finds lines', () => {
    const path = write('cached.suite.yaml', SUITE);
    const cache = join(path, '..', 'cache');
    const first = loadInChild(path, cache);
    const second = loadInChild(path, cache);
    expect(first.yamlLoaded).toBe(true);
    expect(second).toEqual({ ...first, yamlLoaded: false });
    expect(second.value).toEqual({ suite: 'cached', cases: [{ id: 'one', steps: [{ send: { cmd: 'identify' }, expect: { type: 'object' } }] }] });
    expect(second.line).toBe(6);
  });

  const TRICKY = [
    'plain: 1',
    '"0": quoted digits',
    '0: unquoted digits',
    '"a/b": { "t~x": [1, { deep: true }] }',
    'empty:',
    'list:',
    '  - ',
    '  - [a, [b, c]]',
    '  - { k: v }',
    'text: |',
    '  two',
    '  lines',
    '',
  ].join('\n');

  it.each([
    ['sales.suite.yaml', () => readFileSync(join(packageRoot(), 'suites/sales.suite.yaml'), 'utf8')],
    ['odd keys and empty values', () => TRICKY],
  ])('gives a kept document (%s) every line and column the parser gave it', (_name, source) => {
    // A text of its own (the comment), so that the first load parses it and the second is served.
    const text = `# ${randomUUID()}\n${source()}`;
    const path = write('doc.yaml', text);
    const documents = join(process.env['POSHIL_CACHE_DIR']!, 'documents');
    const count = () => (existsSync(documents) ? readdirSync(documents).length : 0);
    const before = count();
    const parsed = loadDocument(path, 'suite');
    expect(count()).toBe(before + 1);
    const kept = loadDocument(path, 'suite');
    const pointers: string[] = [];
    const walk = (value: unknown, pointer: string): void => {
      pointers.push(pointer, `${pointer}/missing`, `${pointer}/0`);
      if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) walk(item, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    };
    walk(parsed.value, '');
    expect(pointers.map((pointer) => kept.lineOf(pointer))).toEqual(pointers.map((pointer) => parsed.lineOf(pointer)));
    expect(pointers.map((pointer) => kept.lineOf(pointer, 'key'))).toEqual(pointers.map((pointer) => parsed.lineOf(pointer, 'key')));
    expect(kept.value).toEqual(parsed.value);
  });

  it('keeps no document with aliases (their expansion can dwarf the text)', () => {
    const path = write('aliases.yaml', `# ${randomUUID()}\nbase: &b { a: 1 }\ncopy: *b\n`);
    const documents = join(process.env['POSHIL_CACHE_DIR']!, 'documents');
    const before = existsSync(documents) ? readdirSync(documents).length : 0;
    expect(loadDocument(path, 'suite').value).toEqual({ base: { a: 1 }, copy: { a: 1 } });
    expect(existsSync(documents) ? readdirSync(documents).length : 0).toBe(before);
  });

  it('parses again what JSON cannot carry (.inf), and a changed text', () => {
    const path = write('numbers.yaml', 'limit: .inf\n');
    expect(loadDocument(path, 'suite').value).toEqual({ limit: Infinity });
    expect(loadDocument(path, 'suite').value).toEqual({ limit: Infinity });
    writeFileSync(path, 'limit: 5\n');
    expect(loadDocument(path, 'suite').value).toEqual({ limit: 5 });
  });

  it('reports a syntax error every time, with its line', () => {
    const path = write('broken.suite.yaml', 'suite: x\ncases:\n  - id: a\n   steps: []\n');
    for (let i = 0; i < 2; i++) {
      const error = inputError(() => loadDocument(path, 'suite'));
      expect(error.code).toBe('E_SYNTAX');
      expect(error.context.line).toBe(4);
    }
  });

  it("reports a .json file's syntax error in JSON's words, where JSON.parse stopped", () => {
    const path = write('p.json', '{\n  "name": "x",\n  "transport": { "type": "tcp", "port": 1 \n  "protocol": "bench"\n}\n');
    const error = inputError(() => loadDocument(path, 'device profile'));
    expect(error.code).toBe('E_SYNTAX');
    expect(error.message).toMatch(/^device profile .*p\.json is not valid JSON: Expected ',' or '}' after property value$/);
    expect([error.context.line, error.context.column]).toEqual([4, 3]);
    // Errors whose message names no position (a trailing comma) still get their line and column.
    const trailing = inputError(() => loadDocument(write('t.suite.json', '{\n  "suite": "x",\n  "cases": [{ "id": "a", "steps": [{ "do": "identify" },]}]\n}\n'), 'suite'));
    expect(trailing.message).toMatch(/t\.suite\.json is not valid JSON: Unexpected token '\]'$/);
    expect([trailing.context.line, trailing.context.column]).toEqual([3, 57]);
    // A key given twice is still the YAML parser's to name.
    const twice = write('twice.json', '{"name": "x", "name": "y"}');
    expect(inputError(() => loadDocument(twice, 'device profile')).message).toMatch(/not valid YAML\/JSON: Map keys must be unique/);
  });
});
