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
      const out = options.output ? (await import('../../reporters/junit.js')).fileWriter(options.output) : { write: (text: string) => void process.stdout.write(text), end: () => undefined };
      try {
        if (options.format === 'junit') {
          // JUnit needs no passing steps: each case is slimmed as it is read.
          const { junitEssentials, writeJunit } = await import('../../reporters/junit.js');
          writeJunit(readRecord(resolve(path), junitEssentials), out.write);
        } else if (options.format === 'html') {
          const { renderHtml } = await import('../../reporters/html.js');
          out.write(renderHtml(readRecord(resolve(path))));
        } else {
          out.write(JSON.stringify(readRecord(resolve(path)), null, 2) + '\n');
        }
      } finally {
        out.end();
      }
    });
}
