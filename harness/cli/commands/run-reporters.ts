/**
 * The reporters of one `poshil run`: the run folder always gets its JUnit XML and HTML report
 * (unless --no-junit / --no-html), `--reporter name=path` and --junit/--html write extra copies
 * elsewhere, and the console gets the chosen styles or, when none prints to the console, `list`.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { ReporterChoice } from '../../reporters/choice.js';
import { ConsoleReporter } from '../../reporters/console.js';
import { githubReporter } from '../../reporters/github.js';
import { jsonReporter } from '../../reporters/json.js';
import { junitReporter } from '../../reporters/junit.js';
import type { Reporter } from '../../reporters/reporter.js';
import { markUnfinished, type CopyKind } from '../../reporters/unfinished.js';
import type { ReporterOptions } from './reporter-options.js';

const STYLES: ReadonlySet<string> = new Set(['list', 'line', 'dot']);

/** Builds the reporters for a run folder; `outputs` collects the files the console names at the end. */
export function buildReporters(choices: readonly ReporterChoice[], options: ReporterOptions, runDir: string, outputs: Record<string, string>): Reporter[] {
  const shown = (path: string) => relative(process.cwd(), path) || path;
  const files: Reporter[] = [];
  const consoles: Reporter[] = [];
  outputs['record'] = shown(join(runDir, 'record.json'));
  const addFile = (kind: CopyKind, path: string, label: string) => {
    const absolute = resolve(path);
    if (Object.values(outputs).includes(shown(absolute))) return;
    outputs[label] = shown(absolute);
    const reporter = namedOnceWritten(kind === 'junit' ? junitReporter(absolute) : kind === 'html' ? htmlAtTheEnd(absolute, runDir) : jsonReporter(absolute), outputs, label);
    // A copy outside the run folder is at a fixed path CI publishes: not the last run's while this one goes.
    const outside = relative(runDir, absolute).startsWith('..');
    files.push(outside ? { ...reporter, onRunStart: (header) => markUnfinished(kind, absolute, header) } : reporter);
  };
  if (options.junit !== false) addFile('junit', join(runDir, 'junit.xml'), 'junit');
  if (options.html !== false) addFile('html', join(runDir, 'report.html'), 'report');
  for (const choice of choices) {
    if (choice.name === 'junit' || choice.name === 'html') {
      if (choice.path) addFile(choice.name, choice.path, `${choice.name} copy`);
      else if (options[choice.name] === false) addFile(choice.name, join(runDir, choice.name === 'junit' ? 'junit.xml' : 'report.html'), choice.name === 'junit' ? 'junit' : 'report');
    } else if (choice.name === 'json') {
      if (choice.path) addFile('json', choice.path, 'json');
      else consoles.push(jsonReporter());
    } else if (choice.name === 'github') consoles.push(githubReporter({ recap: !choices.some((c) => STYLES.has(c.name)) }));
    else consoles.push(new ConsoleReporter({ style: choice.name, outputs: () => ({ ...outputs }) }));
  }
  outputs['transcript'] = shown(join(runDir, 'transcript')) + '/';
  // Named once the run printed something: a run without receipts has no such folder.
  Object.defineProperty(outputs, 'receipts', { enumerable: true, configurable: true, get: () => (existsSync(join(runDir, 'receipts')) ? shown(join(runDir, 'receipts')) + '/' : '') });
  outputs['log'] = shown(join(runDir, 'poshil.log'));
  // The console goes last so that the files it names exist when it prints them.
  return [...files, ...consoles];
}

/**
 * The HTML report, whose modules (templates, charts, receipts) load when the run ends: they are
 * ~15 ms of loading a run would otherwise spend before its first case.
 */
function htmlAtTheEnd(path: string, runDir: string): Reporter {
  return { name: 'html', onRunEnd: async (record) => (await import('../../reporters/html.js')).htmlReporter(path, runDir).onRunEnd?.(record) };
}

/** A file reporter whose file the console names only once it was written. */
function namedOnceWritten(reporter: Reporter, outputs: Record<string, string>, label: string): Reporter {
  return {
    ...reporter,
    name: reporter.name,
    onRunEnd: async (record) => {
      try {
        await reporter.onRunEnd?.(record);
      } catch (error) {
        delete outputs[label];
        throw error;
      }
    },
  };
}
