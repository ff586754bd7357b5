import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { consoleText } from '../../core/console-text.js';
import type { Command } from 'commander';
import type { BenchComparison } from '../../bench/bench-compare.js';
import type { Comparison } from '../../core/comparison.js';
import { InputError } from '../../core/errors.js';
import { COMMAND_SUMMARIES } from './summaries.js';

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description(COMMAND_SUMMARIES.compare.description)
    .argument('<before>', 'record of the baseline run (record.json or record.ndjson; a bench run\'s record.json compares its devices)')
    .argument('<after>', 'record of the run to judge')
    .option('--html <file>', 'also write the comparison as an HTML page')
    .option('--json', 'print the comparison as JSON')
    .addHelpText(
      'after',
      `
Exits 0 when nothing got worse, 1 when a case regressed, a latency distribution is significantly
slower (Mann-Whitney U, p < 0.01, median at least 5 % higher), or the second run did not finish
(status error, crashed or interrupted: its missing cases were lost, not removed).

Example:
  $ poshil compare reports/out/RUN-OLD/record.json reports/out/RUN-NEW/record.json --html compare.html`,
    )
    .action(async (beforePath: string, afterPath: string, options: { html?: string; json?: boolean }) => {
      // Loaded here, not at start: `poshil --help` and the other commands never pay for it.
      const { isBenchRecord } = await import('../../bench/bench-record.js');
      const benches = [beforePath, afterPath].map((p) => isBenchRecord(resolve(p)));
      if (benches[0] || benches[1]) return compareBenchRecords(beforePath, afterPath, benches, options);
      const { compareRecords } = await import('../../compare/compare.js');
      const { readRecord } = await import('../../evidence/journal.js');
      const { renderCompareHtml } = await import('../../reporters/html-compare.js');
      const comparison = compareRecords(readRecord(resolve(beforePath)), readRecord(resolve(afterPath)), { before: beforePath, after: afterPath });
      if (options.html) writeFileSync(options.html, renderCompareHtml(comparison));
      process.stdout.write(options.json ? JSON.stringify(comparison, null, 2) + '\n' : formatComparison(comparison));
      process.exitCode = comparison.worse ? 1 : 0;
    });
}

/** Two bench runs: device by device (fleet), or all devices' cases together (spread). */
async function compareBenchRecords(beforePath: string, afterPath: string, benches: boolean[], options: { html?: string; json?: boolean }): Promise<void> {
  if (!benches[0] || !benches[1]) {
    const [bench, single] = benches[0] ? [beforePath, afterPath] : [afterPath, beforePath];
    throw new InputError('E_RECORD', `${bench} is a bench run's record and ${single} one device's; compare two bench records, or two device records`, { file: bench, hint: "a device's record is the record.json in its folder of the bench run" });
  }
  if (options.html) throw new InputError('E_OPTION', '--html compares two single runs; for bench records use the text or --json', { hint: "or compare two devices' own records with --html" });
  const { readBenchRecord } = await import('../../bench/bench-record.js');
  const { compareBenches } = await import('../../bench/bench-compare.js');
  const comparison = compareBenches(readBenchRecord(resolve(beforePath)), readBenchRecord(resolve(afterPath)));
  process.stdout.write(options.json ? JSON.stringify(comparison, null, 2) + '\n' : formatBenchComparison(comparison));
  process.exitCode = comparison.worse ? 1 : 0;
}

function formatBenchComparison(c: BenchComparison): string {
  const lines = [`before: bench ${c.before.bench} run ${c.before.benchRunId} (${c.before.mode})`, `after:  bench ${c.after.bench} run ${c.after.benchRunId} (${c.after.mode})`];
  for (const d of c.devices) {
    lines.push('', `== ${d.device} ==`);
    if (d.missing) lines.push(d.missing === 'after' ? 'ran before, not after: WORSE' : 'ran after only (new device)');
    else lines.push(formatComparison(d.comparison!).trimEnd());
  }
  lines.push('', c.worse ? `WORSE: ${c.devices.filter((d) => d.missing === 'after' || d.comparison?.worse).map((d) => d.device).join(', ')} regressed` : 'no regression on any device');
  return lines.join('\n') + '\n';
}

export function formatComparison(c: Comparison): string {
  const firmware = (side: Comparison['before']) => (side.firmware ? ` firmware ${consoleText(side.firmware)}${side.firmwareAtEnd ? ` (${consoleText(side.firmwareAtEnd)} at the end of the run)` : ''}` : '');
  const lines = [
    `before: run ${c.before.runId}${firmware(c.before)}`,
    `after:  run ${c.after.runId}${firmware(c.after)}`,
    ...(c.differences ?? []).map((d) => `note: not the same set-up: ${consoleText(d)}`),
    '',
    `cases: ${c.counts.regressed} regressed, ${c.counts.recovered} recovered, ${c.counts['still failing']} still failing, ${c.counts['still passing']} still passing, ${c.counts['still skipped'] ? `${c.counts['still skipped']} still skipped, ` : ''}${c.counts.added} added, ${c.counts.removed} removed`,
  ];
  for (const k of c.cases.filter((x) => x.change !== 'still passing' && x.change !== 'still skipped')) {
    lines.push(`  ${k.change.padEnd(13)} ${consoleText(k.key)}  ${k.before ?? '-'} → ${k.after ?? '-'}${k.reasonAfter ? `  (${consoleText(k.reasonAfter)})` : ''}`);
  }
  if (c.measurements.length) {
    lines.push('', 'measurements:');
    for (const m of c.measurements) {
      const pct = m.deltaPercent !== undefined ? ` (${m.deltaPercent > 0 ? '+' : ''}${m.deltaPercent} %)` : '';
      lines.push(`  ${m.key}: ${m.before} → ${m.after} ${m.unit}${pct}${m.verdictAfter !== m.verdictBefore ? `  ${m.verdictBefore} → ${m.verdictAfter}` : ''}`);
    }
  }
  if (c.distributions.length) {
    lines.push('', 'latency distributions:');
    for (const d of c.distributions) {
      lines.push(`  ${d.key}: median ${d.medianBefore} → ${d.medianAfter} ms, p95 ${d.p95Before} → ${d.p95After} ms, p = ${d.pValue}: ${d.finding.toUpperCase()}`);
    }
  }
  if (c.incomplete) lines.push('', `WORSE: ${consoleText(c.incomplete)}`);
  else lines.push('', c.worse ? 'WORSE: the second run regressed' : 'no regression');
  return lines.join('\n') + '\n';
}
