/**
 * A real PostgreSQL for one test file: the template cluster copied (cp -a keeps the `postgres`
 * owner and the 0700 mode the server insists on) and started on a free port, with durability
 * turned off for speed. Stopped and removed when the file's tests end.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, inject } from 'vitest';
import { labDown, labUp, labUrl, type LabServer } from '../embedded/server.js';

const run = promisify(execFile);
const FAST = ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off', '-c max_connections=80'];

export interface TestLab {
  /** Folder holding the lab (its lab.json, pg/). */
  dir: string;
  /** The folder around it, for the test's own files. */
  home: string;
  url: string;
  server: LabServer;
  stop(): Promise<void>;
  /** Starts the server again on the same port (after stop). */
  start(): Promise<void>;
}

export async function startTestLab(): Promise<TestLab> {
  const home = mkdtempSync(join(inject('labRoot'), 'file-'));
  chmodSync(home, 0o755);
  const dir = join(home, 'lab');
  await run('cp', ['-a', inject('labTemplate'), dir]);
  let server = await labUp(dir, { serverFlags: FAST });
  const lab: TestLab = {
    dir,
    home,
    url: labUrl(server),
    server,
    stop: async () => void (await labDown(dir, 'fast')),
    start: async () => {
      server = await labUp(dir, { port: server.port, serverFlags: FAST });
    },
  };
  afterAll(async () => {
    await labDown(dir, 'immediate').catch(() => {});
    rmSync(home, { recursive: true, force: true });
  });
  return lab;
}
