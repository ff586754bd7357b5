import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Comparison } from '../../core/comparison.js';

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('Compare two run records (e.g. old and new firmware): regressions, recoveries, measurement deltas, latency shifts.')
    .argument('<before>', 'record of the baseline run (record.json or record.ndjson)')
    .argument('<after>', 'record of the run to judge')
    .option('--html <file>', 'also write the comparison as an HTML page')
    .option('--json', 'print the comparison as JSON')
    .addHelpText(
      'after',
      `
Exits 0 when nothing got worse, 1 when a case regressed or a latency distribution is significantly
slower (Mann-Whitney U, p < 0.01, median at least 5 % higher).

Example:
  $ poshil compare reports/out/RUN-OLD/record.json reports/out/RUN-NEW/record.json --html compare.html`,
    )
    .action(async (beforePath: string, afterPath: string, options: { html?: string; json?: boolean }) => {
      // Loaded here, not at start: `poshil --help` and the other commands never pay for it.
      const { compareRecords } = await import('../../compare/compare.js');
      const { readRecord } = await import('../../evidence/journal.js');
      const { renderCompareHtml } = await import('../../reporters/html-compare.js');
      const comparison = compareRecords(readRecord(resolve(beforePath)), readRecord(resolve(afterPath)), { before: beforePath, after: afterPath });
      if (options.html) writeFileSync(options.html, renderCompareHtml(comparison));
      process.stdout.write(options.json ? JSON.stringify(comparison, null, 2) + '\n' : formatComparison(comparison));
      process.exitCode = comparison.worse ? 1 : 0;
    });
}

export function formatComparison(c: Comparison): string {
  const firmware = (side: Comparison['before']) => (side.firmware ? ` firmware ${side.firmware}${side.firmwareAtEnd ? ` (${side.firmwareAtEnd} at the end of the run)` : ''}` : '');
  const lines = [
    `before: run ${c.before.runId}${firmware(c.before)}`,
    `after:  run ${c.after.runId}${firmware(c.after)}`,
    '',
    `cases: ${c.counts.regressed} regressed, ${c.counts.recovered} recovered, ${c.counts['still failing']} still failing, ${c.counts['still passing']} still passing, ${c.counts.added} added, ${c.counts.removed} removed`,
  ];
  for (const k of c.cases.filter((x) => x.change !== 'still passing')) {
    lines.push(`  ${k.change.padEnd(13)} ${k.key}  ${k.before ?? '-'} → ${k.after ?? '-'}${k.reasonAfter ? `  (${k.reasonAfter})` : ''}`);
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
  lines.push('', c.worse ? 'WORSE: the second run regressed' : 'no regression');
  return lines.join('\n') + '\n';
}
