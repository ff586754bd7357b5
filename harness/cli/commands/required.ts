import { InputError } from '../../core/errors.js';

/**
 * Options a command cannot do without are checked here, in the action, rather than by commander:
 * commander reports a missing option before an unknown one, so a misspelt `--devcie` used to be
 * reported as a missing `--device` instead of "unknown option '--devcie' (Did you mean --device?)".
 */
export function required<T>(value: T | undefined, flag: string, command: string, hint?: string): T {
  if (value === undefined || value === '') {
    throw new InputError('E_OPTION', `required option '${flag}' not specified`, { hint: hint ?? `poshil ${command} --help shows the options and examples` });
  }
  return value;
}
