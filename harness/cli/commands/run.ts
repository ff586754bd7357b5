import { join, relative, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { InputError, formatError } from '../../core/errors.js';
import { packageRoot } from '../../core/paths.js';
import { loadRunInputs } from '../../config/inputs.js';
import { LOG_LEVELS, type LogLevel } from '../../evidence/log.js';
import { REPORTER_NAMES } from '../../reporters/choice.js';
import { executeRun } from '../../runner/execute-run.js';
import { selectCases } from '../../runner/run.js';
import { required } from './required.js';
import { buildReporters, chooseReporters } from './run-reporters.js';

interface RunOptions {
  device?: string;
  grep?: string;
  retries: string;
  out: string;
  junit?: string | false;
  html?: string | false;
  reporter?: string[];
  logLevel: LogLevel;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run acceptance suites against a terminal (real or simulated) and write the record, transcript, log, JUnit XML and HTML report.')
    .argument('[suites...]', 'suite files (*.suite.yaml) or folders holding them', [join(packageRoot(), 'suites')])
    .option('-d, --device <profile>', 'device profile (JSON), e.g. devices/simulator.json (required)')
    .option('-g, --grep <regex>', 'run only the cases whose "suite/case" id or title matches')
    .option('-r, --retries <n>', 'retry a case that did not pass up to n times; every attempt is kept', '0')
    .option('-o, --out <dir>', 'folder for run directories', 'reports/out')
    .option('--reporter <name[=file]>', `how to report: ${REPORTER_NAMES.join(', ')}; several at once, comma-separated or repeated; name=file writes a file (default: list, with a live status line on a terminal)`, (value: string, list: string[] = []) => [...list, value])
    .option('--junit <file>', 'write a copy of the JUnit XML here as well as RUNDIR/junit.xml')
    .option('--no-junit', 'do not write RUNDIR/junit.xml')
    .option('--html <file>', 'write a copy of the HTML report here as well as RUNDIR/report.html')
    .option('--no-html', 'do not write RUNDIR/report.html')
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
  $ poshil run -d devices/bench-terminal-usb.json --junit results/junit.xml suites/
  $ CI=true poshil run -d devices/simulator.json --reporter list,github   in GitHub Actions
  $ poshil run -d devices/simulator.json --reporter dot,json=results/record.json`,
    )
    .action(async (suites: string[], options: RunOptions) => {
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
      const reporterChoices = chooseReporters(options);
      const inputs = loadRunInputs(required(options.device, '-d, --device <profile>', 'run'), suites);
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
        reporters: (runDir) => buildReporters(reporterChoices, options, runDir, outputs),
      });
      if (result.failure) process.stderr.write(formatError(result.failure) + '\n');
      process.exitCode = result.exitCode;
    });
}
