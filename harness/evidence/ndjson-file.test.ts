/**
 * The append-only evidence file: lines in order whether appended before or after its open
 * finished, the hash of exactly the bytes on disk, a synchronous flush that loses nothing, and a
 * file that cannot be written reporting why instead of throwing.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NdjsonFile, readNdjson } from './ndjson-file.js';

describe('NdjsonFile', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'poshil-ndjson-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  it('makes its folder, keeps the order of lines appended before and after the open, and hashes the bytes on disk', async () => {
    const path = join(tempDir(), 'deep', 'er', 'file.ndjson');
    const file = new NdjsonFile(path, { hash: true });
    file.append({ n: 1 });
    file.append({ n: 2, text: 'ä€' });
    await turn();
    for (let n = 3; n <= 500; n++) {
      file.append({ n });
      if (n % 7 === 0) await turn();
    }
    await file.end();
    const bytes = readFileSync(path);
    expect(readNdjson<{ n: number }>(path).entries.map((e) => e.n)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(file.lines).toBe(500);
    expect(file.bytes).toBe(bytes.length);
    expect(file.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    file.append({ n: 501 });
    await file.end();
    expect(readFileSync(path)).toEqual(bytes);
  });

  it('has every call of end wait until the file is closed', async () => {
    const path = join(tempDir(), 'file.ndjson');
    const file = new NdjsonFile(path);
    file.append({ n: 1 });
    const isOpen = () =>
      readdirSync('/proc/self/fd').some((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === path;
        } catch {
          return false;
        }
      });
    const first = file.end();
    await file.end();
    expect(isOpen()).toBe(false);
    await first;
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n');
  });

  it('flushes synchronously what was appended, even before its open finished, and writes nothing twice', async () => {
    const path = join(tempDir(), 'sub', 'file.ndjson');
    const file = new NdjsonFile(path);
    file.append({ n: 1 });
    file.flushSync();
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n');
    file.append({ n: 2 });
    file.flushSync();
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
    await file.end();
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
  });

  it('reports a file it cannot make in `failure`, takes no more lines, and does not throw', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'not-a-folder'), '');
    const file = new NdjsonFile(join(dir, 'not-a-folder', 'file.ndjson'));
    file.append({ n: 1 });
    file.flushSync();
    await turn();
    await file.end();
    expect(file.failure).toMatchObject({ code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/) });
    file.append({ n: 2 });
    file.flushSync();
    await file.end();
  });
});
