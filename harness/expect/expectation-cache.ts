/**
 * Compiled expectations kept between runs (core/file-cache.ts). ajv turns each expectation into
 * JavaScript; loading ajv and compiling a suite's expectations was a fifth of a run's start
 * (~80 ms of ~390 before its first case on a 2-core machine). The code ajv generated (its
 * standalone form) is kept under the SHA-256 of everything it was made from — the schema, the
 * files it refers to, ajv's version and options, poshil's version — and a later run with the same
 * expectations loads it without ajv. A file that does not load is compiled again and rewritten.
 */
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { FileCache } from '../core/file-cache.js';
import { PAYMENT_CHECKS } from './payment-checks.js';

const require = createRequire(import.meta.url);

type Load = (module: { exports: unknown }, exports: unknown, require: NodeRequire, helpers: typeof PAYMENT_CHECKS) => void;

export class ExpectationCache {
  constructor(private readonly files: FileCache = FileCache.of('expectations')) {}

  /** The validator kept under `key`, or undefined when there is none (or it does not load). */
  load(key: string): ValidateFunction | undefined {
    const code = this.files.read(`${key}.js`);
    if (code === undefined) return undefined;
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

  /** Keeps ajv's standalone code of a validator. */
  store(key: string, code: string): void {
    this.files.write(`${key}.js`, `// A compiled poshil expectation (harness/expect/expectation-cache.ts); safe to delete.\n${code}\n`);
  }
}
