/** Option values of `poshil run` (single and bench runs alike), checked with the option named. */
import { resolve } from 'node:path';
import type { RunConfig } from '../../config/run-config.js';
import { InputError } from '../../core/errors.js';
import type { CaseSelection } from '../../runner/run.js';
import { parseSegmentSize } from './segment-size.js';

/** A whole number from min to max; the fallback when the option was not given. */
export function wholeNumber(flag: string, text: string | undefined, fallback: number, max: number, min = 0): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new InputError('E_OPTION', `${flag} must be a whole number from ${min} to ${max}, not "${text}"`);
  return n;
}

/** A case-insensitive pattern, as --grep and --grep-invert take them. */
export function regex(flag: string, text: string): RegExp {
  try {
    return new RegExp(text, 'i');
  } catch (error) {
    throw new InputError('E_OPTION', `${flag} is not a valid regular expression: ${(error as Error).message}`);
  }
}

/** The `run` options a single run and a bench run both take. */
export interface ControlOptions {
  grep?: string;
  grepInvert?: string;
  retries?: string;
  out?: string;
  bail?: boolean;
  maxFailures?: string;
  timeout?: string;
  segmentSize?: string;
}

export interface RunControls {
  retries: number;
  maxFailures?: number;
  /** The step time-out that replaces the profile's (ms). */
  timeout?: number;
  out: string;
  segmentBytes?: number;
  /** --grep and --grep-invert; --last-failed is read from `out` by each kind of run. */
  cases: CaseSelection;
}

/** The command line over POSHIL_* over poshil.config, checked. */
export function runControls(options: ControlOptions, config: RunConfig): RunControls {
  const maxFailures = options.bail ? 1 : options.maxFailures !== undefined ? wholeNumber('--max-failures', options.maxFailures, 1, 1_000_000, 1) : config.maxFailures;
  const timeout = options.timeout !== undefined ? wholeNumber('--timeout', options.timeout, 1, 3_600_000, 1) : config.timeout;
  const segmentBytes = parseSegmentSize(options.segmentSize);
  return {
    retries: wholeNumber('--retries', options.retries, config.retries ?? 0, 100),
    ...(maxFailures !== undefined ? { maxFailures } : {}),
    ...(timeout !== undefined ? { timeout } : {}),
    out: resolve(options.out ?? config.out ?? 'reports/out'),
    ...(segmentBytes !== undefined ? { segmentBytes } : {}),
    cases: {
      ...(options.grep !== undefined ? { grep: regex('--grep', options.grep) } : {}),
      ...(options.grepInvert !== undefined ? { grepInvert: regex('--grep-invert', options.grepInvert) } : {}),
    },
  };
}
