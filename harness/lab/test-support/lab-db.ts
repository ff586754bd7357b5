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

export const SEED_WORKER = '00000000-0000-4000-8000-0000000000a1';
export const SEED_SUBMISSION = '00000000-0000-4000-8000-0000000000c1';

/**
 * The rows most lab tests stand on: worker `w` (SEED_WORKER) of bench `b` with device `b/t1`, a
 * bundle `x`, and an --any submission SEED_SUBMISSION of it.
 */
export async function seedLab(pool: Queryable): Promise<void> {
  await pool.query(`INSERT INTO lab.workers (id, name, host, pid, bench) VALUES ('${SEED_WORKER}', 'w', 'h', 1, 'b')`);
  await pool.query(`INSERT INTO lab.devices (id, bench, name, worker_id, address) VALUES ('b/t1', 'b', 't1', '${SEED_WORKER}', 'tcp://127.0.0.1:1')`);
  await pool.query(`INSERT INTO lab.bundles (sha256, files) VALUES ('x', '[]')`);
  await pool.query(`INSERT INTO lab.submissions (id, mode, selection, bundle_sha256, suites) VALUES ('${SEED_SUBMISSION}', 'any', '', 'x', '{}')`);
}

interface Queryable {
  query(text: string): Promise<unknown>;
}
