import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Render a report again from a run record (record.json, or record.ndjson of a run that crashed).')
    .argument('<record>', 'record.json or record.ndjson')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['html', 'junit', 'json']).default('html'))
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addHelpText('after', `\nExamples:\n  $ poshil report reports/out/RUNID/record.json -o report.html\n  $ poshil report reports/out/RUNID/record.ndjson --format junit > junit.xml`)
    .action(async (path: string, options: { format: 'html' | 'junit' | 'json'; output?: string }) => {
      const { readRecord } = await import('../../evidence/journal.js');
      const { renderHtml } = await import('../../reporters/html.js');
      const { renderJunit } = await import('../../reporters/junit.js');
      const record = readRecord(resolve(path));
      const text = options.format === 'html' ? renderHtml(record) : options.format === 'junit' ? renderJunit(record) : JSON.stringify(record, null, 2) + '\n';
      if (options.output) writeFileSync(options.output, text);
      else process.stdout.write(text);
    });
}
