import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeFolders } from './folders.js';

describe('makeFolders', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('makes missing parents with the mode asked for, and accepts a folder that is there', () => {
    dir = mkdtempSync(join(tmpdir(), 'poshil-folders-'));
    const deep = join(dir, 'a', 'b', 'c');
    makeFolders(deep, 0o700);
    makeFolders(deep, 0o700);
    expect(statSync(deep).isDirectory()).toBe(true);
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o700);
  });

  it('fails where a file stands in the way, and under /proc, instead of spinning as a recursive mkdir does', () => {
    dir = mkdtempSync(join(tmpdir(), 'poshil-folders-'));
    writeFileSync(join(dir, 'file'), '');
    expect(() => makeFolders(join(dir!, 'file'))).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(() => makeFolders(join(dir!, 'file', 'below'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => makeFolders('/proc/poshil-no-such/folder')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
