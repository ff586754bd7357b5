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

/** `\1`…`\9` after an even number of backslashes: a back-reference by number, not an escaped backslash. */
const NUMBERED_BACK_REFERENCE = /(?<!\\)(?:\\\\)*\\[1-9]/;

/**
 * --grep or --grep-invert, given once or more: a case matches when any of the patterns does.
 * Several become one expression, `(?:A)|(?:B)`, so that the record's options.grep is the very
 * expression that chose the cases, and a later run can be given it whole.
 */
export function alternatives(flag: string, texts: readonly string[] | undefined): { regex: RegExp; text: string } | undefined {
  if (!texts || texts.length === 0) return undefined;
  if (texts.length === 1) return { regex: regex(flag, texts[0]!), text: texts[0]! };
  for (const text of texts) {
    regex(`${flag} "${text}"`, text);
    // Joined, a group's number counts the groups of the patterns before it: \1 would mean another group.
    if (NUMBERED_BACK_REFERENCE.test(text)) {
      throw new InputError('E_OPTION', `${flag} "${text}" refers to a group by number, which changes meaning when ${flag} is given more than once`, { hint: 'name the group, with a name of its own in each pattern: (?<x1>…)\\k<x1>' });
    }
  }
  const text = texts.map((t) => `(?:${t})`).join('|');
  return { regex: regex(flag, text), text };
}

/** The `run` options a single run and a bench run both take. */
export interface ControlOptions {
  /** Repeatable: a case runs when any matches. */
  grep?: string[];
  /** Repeatable: a case is left out when any matches. */
  grepInvert?: string[];
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
  /** --grep as the user wrote it (several joined as one expression), for the record. */
  grepText?: string;
}

/** The command line over POSHIL_* over poshil.config, checked. */
export function runControls(options: ControlOptions, config: RunConfig): RunControls {
  const maxFailures = options.bail ? 1 : options.maxFailures !== undefined ? wholeNumber('--max-failures', options.maxFailures, 1, 1_000_000, 1) : config.maxFailures;
  const timeout = options.timeout !== undefined ? wholeNumber('--timeout', options.timeout, 1, 3_600_000, 1) : config.timeout;
  const segmentBytes = parseSegmentSize(options.segmentSize);
  const grep = alternatives('--grep', options.grep);
  const grepInvert = alternatives('--grep-invert', options.grepInvert);
  return {
    retries: wholeNumber('--retries', options.retries, config.retries ?? 0, 100),
    ...(maxFailures !== undefined ? { maxFailures } : {}),
    ...(timeout !== undefined ? { timeout } : {}),
    out: resolve(options.out ?? config.out ?? 'reports/out'),
    ...(segmentBytes !== undefined ? { segmentBytes } : {}),
    cases: {
      ...(grep ? { grep: grep.regex } : {}),
      ...(grepInvert ? { grepInvert: grepInvert.regex } : {}),
    },
    ...(grep ? { grepText: grep.text } : {}),
  };
}
