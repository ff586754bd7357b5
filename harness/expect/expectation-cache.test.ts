import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ReceiptEncoder } from '../../devices/formats/escpos-encode.js';
import { packageRoot } from '../core/paths.js';
import { FileCache, cacheRoot } from '../core/file-cache.js';
import { ExpectationCache } from './expectation-cache.js';
import { Expectations } from './expectations.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'poshil-expect-cache-'));
  dirs.push(dir);
  return dir;
}

/** Counts the validators it serves. */
class CountingCache extends ExpectationCache {
  hits = 0;
  override load(key: string) {
    const validate = super.load(key);
    if (validate) this.hits++;
    return validate;
  }
}

const hex = (encoder: ReceiptEncoder) => Buffer.from(encoder.encode()).toString('hex');
const goodReceipt = hex(new ReceiptEncoder().initialise().line('TOTAL EUR 12.50').line('CARD 411111******1111').cut());
const leakyReceipt = hex(new ReceiptEncoder().line('TOTAL EUR 9.99').line('CARD 4111111111111111'));

/** A schema with every payment keyword and a `$ref` to a file that names another file. */
function fixture(dir: string) {
  writeFileSync(join(dir, 'amount.json'), JSON.stringify({ type: 'integer', minimum: 1 }));
  writeFileSync(join(dir, 'sale.json'), JSON.stringify({ type: 'object', required: ['amount'], properties: { amount: { $ref: 'amount.json' } } }));
  const schema = {
    type: 'object',
    properties: {
      sale: { $ref: 'sale.json' },
      pan: { maskedPan: true },
      card: { luhn: true },
      track: { track2: true },
      qr: { emvQr: true },
      display: { noCardNumber: true },
      receipt: { receipt: { properties: { text: { pattern: 'TOTAL EUR' }, lines: { items: { properties: { text: { noCardNumber: true } } } }, cuts: { minItems: 1 } } } },
    },
  };
  const origin = { file: 'cache.suite.yaml', baseDir: dir, pointer: '/cases/0/steps/0/expect' };
  const values = [
    { sale: { amount: 5 }, pan: '411111******1111', card: '4111111111111111', track: ';4111111111111111=3012101?', display: 'PAID', receipt: goodReceipt },
    { sale: { amount: 0 }, pan: '4111111111111111', card: '4111111111111112', track: ';4111111111111112=3012101?', qr: '0002010102', display: 'CARD 4111 1111 1111 1111', receipt: leakyReceipt },
    { sale: {}, receipt: 'zz' },
  ];
  return { schema, origin, values };
}

describe('the cache of compiled expectations', () => {
  it('serves a schema compiled before, with the same verdicts and messages', () => {
    const dir = tempDir();
    const { schema, origin, values } = fixture(dir);
    const cold = new CountingCache(new FileCache(join(dir, 'cache')));
    const compiled = new Expectations(cold).compile(schema, origin);
    expect(cold.hits).toBe(0);
    expect(readdirSync(join(dir, 'cache'))).toHaveLength(1);

    const warm = new CountingCache(new FileCache(join(dir, 'cache')));
    const cached = new Expectations(warm).compile(schema, origin);
    expect(warm.hits).toBe(1);
    for (const value of values) expect(cached.check(value)).toEqual(compiled.check(value));
    // The verdicts themselves, so that two equally wrong validators cannot agree.
    expect(cached.check(values[0])).toEqual([]);
    const messages = cached.check(values[1]).map((issue) => `${issue.path} ${issue.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        '/sale/amount must be >= 1, got 0',
        '/pan must be a PAN masked to at most the first six and last four digits',
        '/card must be a card number that passes the Luhn check',
        '/track must be valid ISO 7813 track 2 data',
        '/qr must be an EMV merchant QR payload with a correct CRC',
        '/display prints a full card number (16 digits, Luhn-valid; shown masked: 4111 11** **** 1111)',
        '/receipt receipt line 2 prints a full card number (16 digits, Luhn-valid; shown masked: 411111******1111)',
        '/receipt receipt cuts must NOT have fewer than 1 items',
      ]),
    );
    expect(messages.join('\n')).not.toContain('4111111111111111');
    expect(cached.check(values[2]).map((issue) => issue.message)).toEqual(["must have required property 'amount'", 'must be ESC/POS bytes written as hex']);
  });

  it('compiles again when a file the schema refers to changed', () => {
    const dir = tempDir();
    const { schema, origin } = fixture(dir);
    new Expectations(new ExpectationCache(new FileCache(join(dir, 'cache')))).compile(schema, origin);
    writeFileSync(join(dir, 'amount.json'), JSON.stringify({ type: 'integer', minimum: 10 }));
    const warm = new CountingCache(new FileCache(join(dir, 'cache')));
    const changed = new Expectations(warm).compile(schema, origin);
    expect(warm.hits).toBe(0);
    expect(changed.check({ sale: { amount: 5 } })).toEqual([{ path: '/sale/amount', message: 'must be >= 10, got 5' }]);
  });

  it('compiles again, and rewrites, a cached file that does not load', () => {
    const dir = tempDir();
    const { schema, origin, values } = fixture(dir);
    new Expectations(new ExpectationCache(new FileCache(join(dir, 'cache')))).compile(schema, origin);
    const [name] = readdirSync(join(dir, 'cache'));
    writeFileSync(join(dir, 'cache', name!), 'module.exports = (');
    const broken = new CountingCache(new FileCache(join(dir, 'cache')));
    expect(new Expectations(broken).compile(schema, origin).check(values[0])).toEqual([]);
    expect(broken.hits).toBe(0);
    const again = new CountingCache(new FileCache(join(dir, 'cache')));
    new Expectations(again).compile(schema, origin);
    expect(again.hits).toBe(1);
  });

  it('keeps no schema that names or uses an id, refers by URI, or holds what JSON cannot carry', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'defs.json'), JSON.stringify({ $id: 'urn:poshil:defs', definitions: { amount: { type: 'integer', minimum: 1 } } }));
    const origin = { file: 'x.suite.yaml', baseDir: dir, pointer: '/x' };
    const schemas = [
      { $id: 'urn:poshil:amount', type: 'integer' },
      { properties: { a: { $ref: 'urn:poshil:amount' } } },
      { $ref: 'defs.json#/definitions/amount' },
      { const: { limit: Infinity } },
      { enum: [[NaN], 'x'] },
    ];
    for (const schema of schemas) {
      const cache = new CountingCache(new FileCache(join(dir, 'cache')));
      const expectations = new Expectations(cache);
      // The id the second schema refers to is known only to the instance that compiled the first.
      if ('properties' in schema) expectations.compile(schemas[0], origin);
      expectations.compile(schema, origin);
      expect(cache.hits).toBe(0);
    }
    expect(existsSync(join(dir, 'cache')) ? readdirSync(join(dir, 'cache')) : []).toEqual([]);
    // As ajv says it, cached or not: two schemas with one id in one run.
    const twice = new Expectations(new ExpectationCache(new FileCache(join(dir, 'cache'))));
    twice.compile({ $id: 'urn:poshil:once', type: 'string' }, origin);
    expect(() => twice.compile({ $id: 'urn:poshil:once', type: 'string' }, origin)).toThrow(/already exists/);
    // Infinity is not null: a cached copy would say otherwise.
    expect(new Expectations(new ExpectationCache(new FileCache(join(dir, 'cache')))).compile({ const: { limit: Infinity } }, origin).check({ limit: null })).toHaveLength(1);
  });

  it('trusts no cached code another user could have written', () => {
    const dir = tempDir();
    const { schema, origin } = fixture(dir);
    const files = new FileCache(join(dir, 'cache'));
    new Expectations(new ExpectationCache(files)).compile(schema, origin);
    const [name] = readdirSync(join(dir, 'cache'));
    expect(statSync(join(dir, 'cache')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'cache', name!)).mode & 0o777).toBe(0o600);
    chmodSync(join(dir, 'cache', name!), 0o666);
    const writable = new CountingCache(new FileCache(join(dir, 'cache')));
    new Expectations(writable).compile(schema, origin);
    expect(writable.hits).toBe(0);
  });

  it('is kept under POSHIL_CACHE_DIR, XDG_CACHE_HOME or ~/.cache, and not at all when off', () => {
    expect(cacheRoot({ POSHIL_CACHE_DIR: '/c' })).toBe('/c');
    expect(cacheRoot({ XDG_CACHE_HOME: '/x' })).toBe('/x/poshil');
    expect(FileCache.of('expectations', { POSHIL_CACHE_DIR: 'off', XDG_CACHE_HOME: '/x' }).dir).toBeUndefined();
    const off = new ExpectationCache(new FileCache(undefined));
    off.store('k', 'module.exports = () => true;');
    expect(off.load('k')).toBeUndefined();
  });

  it('loads a cached validator in a process that never loads ajv', () => {
    const dir = tempDir();
    const { schema, origin, values } = fixture(dir);
    // The built modules, as a run uses them (the cache key covers their code): a first process
    // compiles and keeps the validator, a second runs the kept code with ajv's runtime helpers only.
    const script = `
      import { createRequire } from 'node:module';
      const { Expectations } = await import(${JSON.stringify(join(packageRoot(), 'dist/harness/expect/expectations.js'))});
      const { ExpectationCache } = await import(${JSON.stringify(join(packageRoot(), 'dist/harness/expect/expectation-cache.js'))});
      const { FileCache } = await import(${JSON.stringify(join(packageRoot(), 'dist/harness/core/file-cache.js'))});
      const compiled = new Expectations(new ExpectationCache(new FileCache(${JSON.stringify(join(dir, 'cache'))}))).compile(${JSON.stringify(schema)}, ${JSON.stringify(origin)});
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((path) => /node_modules\\/ajv\\/dist\\/(ajv|core)\\.js$/.test(path));
      console.log(JSON.stringify({ loaded, verdicts: ${JSON.stringify(values)}.map((value) => compiled.check(value).length) }));`;
    const run = () => JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, POSHIL_CACHE_DIR: 'off' } })) as { loaded: string[]; verdicts: number[] };
    const first = run();
    const second = run();
    expect(first.loaded).not.toEqual([]);
    expect(second.loaded).toEqual([]);
    expect(second.verdicts).toEqual(first.verdicts);
    expect(second.verdicts[0]).toBe(0);
    expect(second.verdicts[1]).toBeGreaterThanOrEqual(8);
  });
});
