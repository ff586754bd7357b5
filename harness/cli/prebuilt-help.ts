/**
 * `poshil --help` as text made at build time (scripts/build-help.ts). main.ts prints it instead
 * of building the command line when commander would print exactly this: its help is wrapped to
 * the terminal's width, 80 columns when the output is not a terminal.
 */
import { join } from 'node:path';
import { packageRoot } from '../core/paths.js';

export const prebuiltHelpPath = (): string => join(packageRoot(), 'dist', 'harness', 'cli', 'help.txt');

/** True when commander would wrap the help to 80 columns (commander's rule, Command's getOutHelpWidth). */
export const helpIs80Columns = (): boolean => !process.stdout.isTTY || process.stdout.columns === 80;

/** What commander prints for `poshil --help` at 80 columns. */
export async function helpAt80Columns(): Promise<string> {
  const { buildProgram } = await import('./program.js');
  const program = await buildProgram(['--help']);
  let text = '';
  program.configureOutput({ writeOut: (part) => (text += part), getOutHelpWidth: () => 80, getOutHasColors: () => false });
  program.outputHelp();
  return text;
}
