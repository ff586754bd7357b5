import { mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { linkLatest } from './latest-link.js';

describe('linkLatest', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('points OUT/latest at the newest run with a relative link, replacing the previous one', () => {
    const out = mkdtempSync(join(tmpdir(), 'poshil-latest-'));
    dirs.push(out);
    for (const run of ['run-1', 'run-2']) {
      mkdirSync(join(out, run));
      writeFileSync(join(out, run, 'record.json'), run);
      expect(linkLatest(out, run)).toBe(true);
    }
    expect(readlinkSync(join(out, 'latest'))).toBe('run-2');
    expect(readFileSync(join(out, 'latest', 'record.json'), 'utf8')).toBe('run-2');
  });

  it('leaves a real folder called latest alone', () => {
    const out = mkdtempSync(join(tmpdir(), 'poshil-latest-'));
    dirs.push(out);
    mkdirSync(join(out, 'latest'));
    expect(linkLatest(out, 'run-1')).toBe(false);
  });
});
