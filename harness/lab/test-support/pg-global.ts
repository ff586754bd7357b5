/**
 * vitest global set-up for the lab's tests: one embedded PostgreSQL cluster, made once per test
 * run with `poshil lab up` (so the command itself is exercised) and stopped again, serves as the
 * template; each test file copies it and starts its own server on a free port (lab-db.ts).
 * Teardown stops every server still running under the root, by its data folder, and removes it.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { labDown } from '../embedded/server.js';

const run = promisify(execFile);

declare module 'vitest' {
  export interface ProvidedContext {
    labRoot: string;
    labTemplate: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = mkdtempSync(join(tmpdir(), 'poshil-lab-'));
  // The server runs as `postgres` when tests run as root: it must be able to enter the folder.
  chmodSync(root, 0o755);
  const template = join(root, 'template');
  const cli = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
  await run(process.execPath, [cli, 'lab', 'up', '--dir', template], { timeout: 120_000 });
  await labDown(template);
  project.provide('labRoot', root);
  project.provide('labTemplate', template);
  return async () => {
    for (const name of existsSync(root) ? readdirSync(root) : []) {
      const dir = join(root, name);
      if (existsSync(join(dir, 'pg', 'data', 'postmaster.pid'))) await labDown(dir, 'immediate').catch(() => {});
      for (const inner of readdirSync(dir, { withFileTypes: true })) {
        const lab = join(dir, inner.name);
        if (inner.isDirectory() && existsSync(join(lab, 'pg', 'data', 'postmaster.pid'))) await labDown(lab, 'immediate').catch(() => {});
      }
    }
    rmSync(root, { recursive: true, force: true });
  };
}
