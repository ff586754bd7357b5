/**
 * vitest global set-up: poshil's cache (parsed suites, compiled expectations; core/file-cache.ts)
 * goes to a folder of this test run, which every test and every CLI process the tests start
 * inherits through POSHIL_CACHE_DIR, and which is removed at the end: tests neither read what
 * earlier runs left in the user's cache nor leave anything there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'poshil-cache-'));
  process.env['POSHIL_CACHE_DIR'] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
