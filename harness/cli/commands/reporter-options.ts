/**
 * Which reporters `poshil run` was asked for, parsed before anything runs (a bad --reporter is
 * an input error). Apart from run-reporters.ts, which builds them, so that checking the choice
 * does not load every reporter before the run has started its simulator.
 */
import { parseReporters, usesStdout, type ReporterChoice } from '../../reporters/choice.js';

export interface ReporterOptions {
  reporter?: string[];
  junit?: string | false;
  html?: string | false;
}

export function chooseReporters(options: ReporterOptions): ReporterChoice[] {
  const choices = parseReporters(options.reporter ?? []);
  if (typeof options.junit === 'string') choices.push({ name: 'junit', path: options.junit });
  if (typeof options.html === 'string') choices.push({ name: 'html', path: options.html });
  if (!usesStdout(choices)) choices.unshift({ name: 'list' });
  return choices;
}
