/**
 * `poshil lab up` and `down` on real clusters: starting one that runs already, stopping and
 * then reaching for it, a cluster from another PostgreSQL major, a folder the server's user
 * cannot enter.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject, describe, expect, it } from 'vitest';
import { startTestLab } from '../lab/test-support/lab-db.js';
import { poshil } from './test-support/cli.js';

const run = promisify(execFile);

describe('poshil lab up / down', () => {
  it('says when the lab runs already, stops it, and then names it as unreachable without its password', async () => {
    const lab = await startTestLab();
    const again = await poshil(['lab', 'up', '--dir', lab.dir], { cwd: lab.home });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/lab database already running: postgres:\/\/poshil:\*\*\*@127\.0\.0\.1:\d+\/poshil/);
    expect(again.stdout).not.toContain(lab.server.password);
    const down = await poshil(['lab', 'down', '--dir', lab.dir], { cwd: lab.home });
    expect(down.stdout).toBe('lab database stopped');
    const status = await poshil(['lab', 'status', '--dir', lab.dir], { cwd: lab.home });
    expect(status.exitCode).toBe(3);
    expect(status.stderr).toMatch(/cannot reach the lab database poshil@127\.0\.0\.1:\d+\/poshil/);
    expect(status.stderr).not.toContain(lab.server.password);
    // Up again: on the port it had, so workers and a panel holding its URL find it by themselves.
    const port = /127\.0\.0\.1:(\d+)\//.exec(again.stdout)![1];
    const back = await poshil(['lab', 'up', '--dir', lab.dir], { cwd: lab.home });
    expect(back.exitCode, back.stderr).toBe(0);
    expect(back.stdout).toContain(`@127.0.0.1:${port}/poshil`);
    await poshil(['lab', 'down', '--dir', lab.dir], { cwd: lab.home });
  }, 60_000);

  it('refuses a cluster made by another PostgreSQL major, with a way out', async () => {
    const home = join(inject('labRoot'), `major-${process.pid}`);
    mkdirSync(home, { mode: 0o755 });
    await run('cp', ['-a', inject('labTemplate'), join(home, 'lab')]);
    writeFileSync(join(home, 'lab', 'pg', 'data', 'PG_VERSION'), '16\n');
    const up = await poshil(['lab', 'up', '--dir', join(home, 'lab')], { cwd: home });
    expect(up.exitCode).toBe(3);
    expect(up.stderr).toMatch(/made by PostgreSQL 16, the binaries are PostgreSQL 18 \[E_LAB_VERSION\]/);
    expect(up.stderr).toMatch(/pg_dumpall/);
  });

  it.runIf(process.getuid?.() === 0)('names the folder the postgres user cannot enter', async () => {
    const closed = join(inject('labRoot'), `closed-${process.pid}`);
    mkdirSync(closed, { mode: 0o700 });
    chmodSync(closed, 0o700);
    const up = await poshil(['lab', 'up', '--dir', join(closed, 'lab')], { cwd: inject('labRoot') });
    expect(up.exitCode).toBe(3);
    expect(up.stderr).toContain(`the postgres user cannot enter ${closed} (mode 700)`);
    // Nothing is left behind that the server could never use.
    expect(existsSync(join(closed, 'lab'))).toBe(false);
    rmSync(closed, { recursive: true, force: true });
  });
});
