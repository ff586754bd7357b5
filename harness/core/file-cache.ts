/**
 * poshil's cache between runs: work that depends only on file contents (parsed suites, compiled
 * expectations) is kept under the SHA-256 of what it was made from — including the code of the
 * poshil modules that made it — so that a run of suites it has seen before skips it.
 *
 * Where: POSHIL_CACHE_DIR, else $XDG_CACHE_HOME/poshil, else ~/.cache/poshil; `off` keeps
 * nothing. Any file there may be deleted at any time; poshil removes entries written more than
 * KEEP_DAYS ago when it next writes one of their kind (one that is still used is made again,
 * once), so that the entries of old suites and old poshil versions do not pile up. The cache holds code poshil runs, so its
 * folders are made for their owner alone (0700, files 0600), and a folder or file that another
 * user owns or may write to is not read. A folder that cannot be written to only costs the time.
 */
import { randomBytes, createHash } from 'node:crypto';
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeFolders } from './folders.js';

/** The cache's folder, or undefined when caching is off (or there is no home to put it in). */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const chosen = env['POSHIL_CACHE_DIR'];
  if (chosen === 'off') return undefined;
  if (chosen) return chosen;
  if (env['XDG_CACHE_HOME']) return join(env['XDG_CACHE_HOME'], 'poshil');
  try {
    return join(homedir(), '.cache', 'poshil');
  } catch {
    // A user with no home (no passwd entry, HOME unset): no cache.
    return undefined;
  }
}

const moduleHashes = new Map<string, string>();

/** SHA-256 of a module's own file (`import.meta.url`): a cache entry made by other code is not used. */
export function moduleHash(url: string): string {
  let hash = moduleHashes.get(url);
  if (!hash) {
    hash = createHash('sha256').update(readFileSync(fileURLToPath(url))).digest('hex');
    moduleHashes.set(url, hash);
  }
  return hash;
}

export const KEEP_DAYS = 30;
const KEEP_MS = KEEP_DAYS * 24 * 3600_000;
/** A temporary file this old was left by a writer that died. */
const TEMPORARY_MS = 3600_000;

/** Not another user's, and not writable by anyone else. */
const ours = (stats: Stats): boolean => (process.getuid === undefined || stats.uid === process.getuid()) && (stats.mode & 0o022) === 0;

/** One kind of entry, in a folder of its own under the cache's folder. */
export class FileCache {
  private checked: boolean | undefined;
  private pruned = false;

  /** `dir` undefined: a cache that keeps nothing. */
  constructor(readonly dir: string | undefined) {}

  /** The cache of one kind, where the environment says (read when first used). */
  static of(kind: string, env: NodeJS.ProcessEnv = process.env): FileCache {
    const root = cacheRoot(env);
    return new FileCache(root === undefined ? undefined : join(root, kind));
  }

  /** True when the folder exists and may be trusted. */
  private usable(): boolean {
    if (this.checked === undefined && this.dir !== undefined) {
      try {
        this.checked = ours(statSync(this.dir));
      } catch {
        return false;
      }
    }
    return this.checked === true;
  }

  read(name: string): string | undefined {
    if (this.dir === undefined || !this.usable()) return undefined;
    let fd: number;
    try {
      fd = openSync(join(this.dir, name), 'r');
    } catch {
      return undefined;
    }
    try {
      return ours(fstatSync(fd)) ? readFileSync(fd, 'utf8') : undefined;
    } catch {
      return undefined;
    } finally {
      closeSync(fd);
    }
  }

  /** Written whole or not at all: another process may read the same name at any moment. */
  write(name: string, text: string): void {
    if (this.dir === undefined) return;
    const path = join(this.dir, name);
    const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      if (this.checked === undefined) makeFolders(this.dir, 0o700);
      if (!this.usable()) return;
      writeFileSync(temporary, text, { mode: 0o600 });
      renameSync(temporary, path);
      this.prune();
    } catch {
      // A read-only or full disk: the next run does the work again.
      try {
        unlinkSync(temporary);
      } catch {
        // never made
      }
    }
  }

  /**
   * Once per process and kind, on a write (a run that just did the work, not one that found it
   * here): entries written more than KEEP_DAYS ago, and temporary files of dead writers, go.
   */
  private prune(now = Date.now()): void {
    if (this.pruned || this.dir === undefined) return;
    this.pruned = true;
    for (const name of readdirSync(this.dir)) {
      try {
        const path = join(this.dir, name);
        const stats = lstatSync(path);
        if (stats.isFile() && ours(stats) && now - stats.mtimeMs > (name.endsWith('.tmp') ? TEMPORARY_MS : KEEP_MS)) unlinkSync(path);
      } catch {
        // Gone already (another process pruned it), or not ours to remove.
      }
    }
  }
}
