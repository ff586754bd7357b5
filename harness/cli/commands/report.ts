import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { InputError } from '../../core/errors.js';
import { LATEST } from '../../runner/latest-link.js';
import { openInBrowser } from './open.js';
import { COMMAND_SUMMARIES } from './summaries.js';

interface ReportOptions {
  format: 'html' | 'junit' | 'json';
  output?: string;
  last?: boolean;
  out: string;
  open?: boolean;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(COMMAND_SUMMARIES.report.description)
    .argument('[record]', 'record.json or record.ndjson, or the run folder holding it (or --last)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['html', 'junit', 'json']).default('html'))
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .option('--last', `the newest run under --out (OUT/${LATEST})`)
    .option('--out <dir>', 'folder of run directories, for --last', 'reports/out')
    .option('--open', 'open the HTML report in the browser instead of printing it')
    .addHelpText(
      'after',
      `\nEvery run also links OUT/${LATEST} to its folder, so reports/out/${LATEST}/report.html is always the newest report.\n\nExamples:\n  $ poshil report --last --open\n  $ poshil report reports/out/${LATEST}/record.json -o report.html\n  $ poshil report reports/out/RUNID/record.ndjson --format junit > junit.xml`,
    )
    .action(async (path: string | undefined, options: ReportOptions) => {
      // Loaded here, not at start: `poshil --help` and the other commands never pay for it.
      const { readRecord } = await import('../../evidence/journal.js');
      const { keepForHtml, renderHtml, runFolderOptions } = await import('../../reporters/html.js');
      const { renderJunit } = await import('../../reporters/junit.js');
      const recordPath = path ? recordIn(resolve(path)) : resolve(lastRecord(options));
      const { isBenchRecord } = await import('../../bench/bench-record.js');
      if (isBenchRecord(recordPath)) return reportBench(recordPath, options);
      // The HTML report shows no request, expectation or answer of a passing step: not read into memory.
      const record = readRecord(recordPath, options.format === 'html' ? keepForHtml : undefined);
      if (options.open) {
        if (options.format !== 'html') throw new InputError('E_OPTION', '--open shows the HTML report; leave out --format');
        // The run's own report when it is there; otherwise one rendered from the record.
        const beside = join(recordPath, '..', 'report.html');
        const page = options.output ?? (existsSync(beside) && !recordPath.endsWith('.ndjson') ? beside : join(recordPath, '..', 'report.rendered.html'));
        if (page !== beside) writeFileSync(page, renderHtml(record, runFolderOptions(record, dirname(recordPath), dirname(page))));
        process.stdout.write(`${await openInBrowser(page)}\n`);
        return;
      }
      const text = options.format === 'html' ? renderHtml(record) : options.format === 'junit' ? renderJunit(record) : JSON.stringify(record, null, 2) + '\n';
      if (options.output) writeFileSync(options.output, text);
      else process.stdout.write(text);
    });
}

/** A bench run's record: its device × suite page, its combined JUnit, or the record itself. */
async function reportBench(recordPath: string, options: ReportOptions): Promise<void> {
  const { readBenchRecord } = await import('../../bench/bench-record.js');
  const { renderBenchHtml } = await import('../../bench/bench-html.js');
  const { renderBenchJunit } = await import('../../bench/summary.js');
  const bench = readBenchRecord(recordPath);
  // The page links each device's folder, so it is written beside the record when opened.
  const page = () => renderBenchHtml(bench.summary);
  if (options.open) {
    if (options.format !== 'html') throw new InputError('E_OPTION', '--open shows the HTML report; leave out --format');
    const beside = join(dirname(recordPath), 'index.html');
    const target = options.output ?? beside;
    if (target !== beside || !existsSync(beside)) writeFileSync(target, page());
    process.stdout.write(`${await openInBrowser(target)}\n`);
    return;
  }
  const text = options.format === 'html' ? page() : options.format === 'junit' ? renderBenchJunit(bench.runs) : JSON.stringify(bench.summary, null, 2) + '\n';
  if (options.output) writeFileSync(options.output, text);
  else process.stdout.write(text);
}

/** A run folder stands for its record: record.json when the run ended, record.ndjson when it did not. */
function recordIn(path: string): string {
  if (!existsSync(path) || !statSync(path).isDirectory()) return path;
  for (const name of ['record.json', 'record.ndjson']) if (existsSync(join(path, name))) return join(path, name);
  throw new InputError('E_RECORD', `${path} is a folder with no record.json or record.ndjson in it`, { file: path, hint: 'give a run folder (reports/out/RUNID) or the record file in it' });
}

function lastRecord(options: ReportOptions): string {
  if (!options.last) throw new InputError('E_OPTION', 'name a record, or give --last for the newest run', { hint: 'poshil report --help shows the options and examples' });
  const dir = resolve(options.out, LATEST);
  for (const name of ['record.json', 'record.ndjson']) if (existsSync(join(dir, name))) return join(dir, name);
  throw new InputError('E_NO_RUN', `no run found: ${dir} does not exist or holds no record`, { file: dir, hint: 'run poshil run first, or pass --out with the folder your runs went to' });
}
