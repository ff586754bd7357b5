import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileCache, KEEP_DAYS } from './file-cache.js';

const made: string[] = [];
afterEach(() => made.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function cacheDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'poshil-file-cache-'));
  made.push(dir);
  return join(dir, 'kind');
}

const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 3600_000);

describe('FileCache', () => {
  it('reads back what it wrote, and nothing for a name it never wrote', () => {
    const cache = new FileCache(cacheDir());
    cache.write('a.json', '{"a":1}');
    expect(cache.read('a.json')).toBe('{"a":1}');
    expect(cache.read('b.json')).toBeUndefined();
    expect(new FileCache(undefined).read('a.json')).toBeUndefined();
  });

  it('keeps nothing, at once, in a folder that cannot be made (under /proc a recursive mkdir spins)', () => {
    const cache = new FileCache('/proc/poshil-no-cache/kind');
    cache.write('a.json', '{"a":1}');
    expect(cache.read('a.json')).toBeUndefined();
  });

  it(`removes entries written more than ${KEEP_DAYS} days ago, and dead writers' temporary files, when it next writes`, () => {
    const dir = cacheDir();
    new FileCache(dir).write('recent.json', 'r');
    const old = join(dir, 'old.json');
    const leftover = join(dir, 'gone.json.123.abcd.tmp');
    const writing = join(dir, 'busy.json.456.ef01.tmp');
    writeFileSync(old, 'o', { mode: 0o600 });
    writeFileSync(leftover, 't', { mode: 0o600 });
    writeFileSync(writing, 'w', { mode: 0o600 });
    utimesSync(old, daysAgo(KEEP_DAYS + 1), daysAgo(KEEP_DAYS + 1));
    utimesSync(leftover, daysAgo(1), daysAgo(1));
    // Reading prunes nothing: a run that finds its work here stays as fast as it was.
    expect(new FileCache(dir).read('old.json')).toBe('o');
    expect(readdirSync(dir).sort()).toEqual(['busy.json.456.ef01.tmp', 'gone.json.123.abcd.tmp', 'old.json', 'recent.json']);
    new FileCache(dir).write('new.json', 'n');
    expect(readdirSync(dir).sort()).toEqual(['busy.json.456.ef01.tmp', 'new.json', 'recent.json']);
  });
});
