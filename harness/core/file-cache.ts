/**
 * poshil's cache between runs: work that depends only on file contents (parsed suites, compiled
 * expectations) is kept under the SHA-256 of what it was made from, so that a run of suites it
 * has seen before skips it.
 *
 * Where: POSHIL_CACHE_DIR, else $XDG_CACHE_HOME/poshil, else ~/.cache/poshil; `off` keeps
 * nothing. Any file there may be deleted at any time. A folder that cannot be written to only
 * costs the time.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The cache's folder, or undefined when caching is off. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const chosen = env['POSHIL_CACHE_DIR'];
  if (chosen === 'off') return undefined;
  return chosen || join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'poshil');
}

/** One kind of entry, in a folder of its own under the cache's folder. */
export class FileCache {
  private made = false;

  /** `dir` undefined: a cache that keeps nothing. */
  constructor(readonly dir: string | undefined) {}

  static of(kind: string, env: NodeJS.ProcessEnv = process.env): FileCache {
    const root = cacheRoot(env);
    return new FileCache(root === undefined ? undefined : join(root, kind));
  }

  read(name: string): string | undefined {
    if (this.dir === undefined) return undefined;
    try {
      return readFileSync(join(this.dir, name), 'utf8');
    } catch {
      return undefined;
    }
  }

  /** Written whole or not at all: another process may read the same name at any moment. */
  write(name: string, text: string): void {
    if (this.dir === undefined) return;
    try {
      if (!this.made) mkdirSync(this.dir, { recursive: true });
      this.made = true;
      const path = join(this.dir, name);
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, text);
      renameSync(temporary, path);
    } catch {
      // A read-only or full disk: the next run does the work again.
    }
  }
}
