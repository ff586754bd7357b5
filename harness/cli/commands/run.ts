import { join, relative, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { InputError, formatError } from '../../core/errors.js';
import { packageRoot } from '../../core/paths.js';
import { LOG_LEVELS, type LogLevel } from '../../evidence/log-levels.js';
import type { Reporter } from '../../reporters/reporter.js';

interface RunOptions {
  device: string;
  grep?: string;
  retries: string;
  out: string;
  junit?: string | false;
  html?: string | false;
  logLevel: LogLevel;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run acceptance suites against a terminal (real or simulated) and write the record, transcript, log, JUnit XML and HTML report.')
    .argument('[suites...]', 'suite files (*.suite.yaml) or folders holding them', [join(packageRoot(), 'suites')])
    .requiredOption('-d, --device <profile>', 'device profile (JSON), e.g. devices/simulator.json')
    .option('-g, --grep <regex>', 'run only the cases whose "suite/case" id or title matches')
    .option('-r, --retries <n>', 'retry a case that did not pass up to n times; every attempt is kept', '0')
    .option('-o, --out <dir>', 'folder for run directories', 'reports/out')
    .option('--junit <file>', 'also write JUnit XML here (default: RUNDIR/junit.xml)')
    .option('--no-junit', 'do not write JUnit XML')
    .option('--html <file>', 'also write the HTML report here (default: RUNDIR/report.html)')
    .option('--no-html', 'do not write the HTML report')
    .addOption(new Option('--log-level <level>', 'level of RUNDIR/poshil.log').choices(LOG_LEVELS).default('info'))
    .addHelpText(
      'after',
      `
Each run writes a folder OUT/RUNID/ with record.json (and record.ndjson, written as the run goes),
transcript.ndjson (every frame in and out, card data masked), poshil.log, junit.xml and report.html.

Examples:
  $ poshil run --device devices/simulator.json
  $ poshil run --device devices/simulator-pty.json suites/smoke.suite.yaml
  $ poshil run -d devices/simulator.json --grep 'card-swipe/.*expired' --retries 2
  $ poshil run -d devices/bench-terminal-usb.json --junit results/junit.xml suites/`,
    )
    .action(async (suites: string[], options: RunOptions) => {
      // Loaded here, not at start: `poshil --help` and the other commands never pay for it.
      const { loadRunInputs } = await import('../../config/inputs.js');
      const { ConsoleReporter } = await import('../../reporters/console.js');
      const { htmlReporter } = await import('../../reporters/html.js');
      const { junitReporter } = await import('../../reporters/junit.js');
      const { executeRun } = await import('../../runner/execute-run.js');
      const { selectCases } = await import('../../runner/run.js');
      const retries = Number(options.retries);
      if (!Number.isInteger(retries) || retries < 0 || retries > 100) {
        throw new InputError('E_OPTION', `--retries must be a whole number from 0 to 100, not "${options.retries}"`);
      }
      let grep: RegExp | undefined;
      if (options.grep !== undefined) {
        try {
          grep = new RegExp(options.grep, 'i');
        } catch (error) {
          throw new InputError('E_OPTION', `--grep is not a valid regular expression: ${(error as Error).message}`);
        }
      }
      const inputs = loadRunInputs(options.device, suites);
      const planned = inputs.suites.reduce((n, s) => n + selectCases(s, grep).length, 0);
      if (planned === 0) throw new InputError('E_NO_CASES', `no case matches --grep ${options.grep ?? ''}`, { hint: 'cases are matched as "suite/case", case-insensitively' });
      const outputs: Record<string, string> = {};
      const result = await executeRun({
        inputs,
        outDir: resolve(options.out),
        ...(grep ? { grep, grepText: options.grep! } : {}),
        retries,
        logLevel: options.logLevel,
        handleSignals: true,
        reporters: (runDir) => {
          const shown = (path: string) => relative(process.cwd(), path) || path;
          outputs['record'] = shown(join(runDir, 'record.json'));
          const list: Reporter[] = [];
          if (options.junit !== false) {
            const path = options.junit ? resolve(options.junit) : join(runDir, 'junit.xml');
            outputs['junit'] = shown(path);
            list.push(junitReporter(path));
          }
          if (options.html !== false) {
            const path = options.html ? resolve(options.html) : join(runDir, 'report.html');
            outputs['report'] = shown(path);
            list.push(htmlReporter(path));
          }
          outputs['transcript'] = shown(join(runDir, 'transcript.ndjson'));
          outputs['log'] = shown(join(runDir, 'poshil.log'));
          // The console goes last so that the files it names exist when it prints them.
          list.push(new ConsoleReporter({ outputs: () => outputs }));
          return list;
        },
      });
      if (result.failure) process.stderr.write(formatError(result.failure) + '\n');
      process.exitCode = result.exitCode;
    });
}
