/**
 * `--reporter list,junit=out/junit.xml`: which reporters a run uses and where the file-writing
 * ones write. Pure parsing; the command line builds the reporters from the result.
 */
import { InputError } from '../core/errors.js';

export const REPORTER_NAMES = ['list', 'line', 'dot', 'github', 'json', 'junit', 'html'] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];

export interface ReporterChoice {
  name: ReporterName;
  /** Where a file-writing reporter writes (json without a path writes to standard output). */
  path?: string;
}

/** Reporters that print to standard output; when none is chosen the run adds the default one. */
export const STDOUT_REPORTERS: ReadonlySet<ReporterName> = new Set(['list', 'line', 'dot', 'github']);

/** Each value may hold several, comma-separated: `list,junit=out/junit.xml`. */
export function parseReporters(values: readonly string[]): ReporterChoice[] {
  const choices: ReporterChoice[] = [];
  for (const item of values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    const name = (eq < 0 ? item : item.slice(0, eq)).trim();
    const path = eq < 0 ? undefined : item.slice(eq + 1).trim();
    if (!(REPORTER_NAMES as readonly string[]).includes(name)) {
      throw new InputError('E_OPTION', `--reporter: unknown reporter "${name}"`, { hint: `choose from ${REPORTER_NAMES.join(', ')}; files as name=path, e.g. junit=out/junit.xml` });
    }
    if (path === '') throw new InputError('E_OPTION', `--reporter ${name}=: the path is empty`);
    if (path !== undefined && STDOUT_REPORTERS.has(name as ReporterName)) {
      throw new InputError('E_OPTION', `--reporter ${name} prints to the console and takes no path`, { hint: 'only json, junit and html write files' });
    }
    choices.push({ name: name as ReporterName, ...(path !== undefined ? { path } : {}) });
  }
  // JSON on standard output is for a program (`| jq`): a console reporter's lines beside it make it unreadable.
  const beside = choices.filter((c) => STDOUT_REPORTERS.has(c.name)).map((c) => c.name);
  if (beside.length > 0 && choices.some((c) => c.name === 'json' && c.path === undefined)) {
    throw new InputError('E_OPTION', `--reporter json prints the record to standard output, where ${beside.join(' and ')} print too: the JSON would not parse`, {
      hint: `write it to a file beside them (--reporter ${beside.join(',')},json=out/record.json), or give json alone`,
    });
  }
  return choices;
}

/** Whether standard output is already spoken for (a console reporter, or JSON to stdout). */
export function usesStdout(choices: readonly ReporterChoice[]): boolean {
  return choices.some((c) => STDOUT_REPORTERS.has(c.name) || (c.name === 'json' && c.path === undefined));
}
