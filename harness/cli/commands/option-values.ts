/** Option values of `poshil run` (single and bench runs alike), checked with the option named. */
import { InputError } from '../../core/errors.js';

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
