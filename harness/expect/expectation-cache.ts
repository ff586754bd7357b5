/**
 * Compiled expectations kept between runs. ajv turns each expectation into JavaScript; loading
 * ajv and compiling a suite's expectations was a fifth of a run's start (~80 ms of ~370 before
 * its first case on a 2-core machine). The code ajv generated (its standalone form) is written
 * here under the SHA-256 of everything it was made from — the schema, the files it refers to,
 * ajv's version and options, poshil's version — and a later run with the same expectations
 * loads it without ajv.
 *
 * Where: POSHIL_CACHE_DIR, else $XDG_CACHE_HOME/poshil, else ~/.cache/poshil; `off` keeps
 * nothing. Any file there may be deleted at any time. A file that does not load is compiled
 * again and rewritten; a folder that cannot be written to only costs the time.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { PAYMENT_CHECKS } from './payment-checks.js';

const require = createRequire(import.meta.url);

/** The folder compiled expectations go to, or undefined when caching is off. */
export function expectationCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const chosen = env['POSHIL_CACHE_DIR'];
  if (chosen === 'off') return undefined;
  const root = chosen || join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'poshil');
  return join(root, 'expectations');
}

type Load = (module: { exports: unknown }, exports: unknown, require: NodeRequire, helpers: typeof PAYMENT_CHECKS) => void;

export class ExpectationCache {
  private made = false;

  constructor(readonly dir: string | undefined) {}

  private path(key: string): string | undefined {
    return this.dir === undefined ? undefined : join(this.dir, `${key}.js`);
  }

  /** The validator kept under `key`, or undefined when there is none (or it does not load). */
  load(key: string): ValidateFunction | undefined {
    const path = this.path(key);
    if (path === undefined) return undefined;
    let code: string;
    try {
      code = readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
    try {
      // The generated code names ajv's runtime helpers with `require` and the payment checks
      // as `helpers`: both are handed in, so the code needs nothing from where it is stored.
      const module = { exports: undefined as unknown };
      (new Function('module', 'exports', 'require', 'helpers', code) as Load)(module, {}, require, PAYMENT_CHECKS);
      return typeof module.exports === 'function' ? (module.exports as ValidateFunction) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Keeps ajv's standalone code of a validator; written whole or not at all. */
  store(key: string, code: string): void {
    const path = this.path(key);
    if (path === undefined) return;
    try {
      if (!this.made) mkdirSync(this.dir!, { recursive: true });
      this.made = true;
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, `// A compiled poshil expectation (harness/expect/expectation-cache.ts); safe to delete.\n${code}\n`);
      renameSync(temporary, path);
    } catch {
      // A read-only or full disk: the next run compiles again.
    }
  }
}
