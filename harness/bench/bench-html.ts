/**
 * The bench run's HTML page (`index.html` in the bench run folder): a device × suite matrix of
 * pass counts, coloured by the worst outcome in each cell, linking to each device's own report,
 * transcript and record. Reads only the bench record; handlebars escapes every device string.
 */
import { worst, type Outcome } from '../core/outcome.js';
import { formatDuration, render } from '../reporters/html-render.js';
import type { BenchSummary } from './summary.js';

export function renderBenchHtml(summary: BenchSummary): string {
  const suites = [...new Set(summary.devices.flatMap((d) => d.cases.map((c) => c.suite)))];
  const rows = summary.devices.map((d) => {
    const cells = suites.map((suite) => {
      const cases = d.cases.filter((c) => c.suite === suite);
      return { total: cases.length, passed: cases.filter((c) => c.outcome === 'PASS').length, outcome: cases.length > 0 ? worst(cases.map((c) => c.outcome)) : 'SKIPPED' };
    });
    const link = d.runDir ? `${encodeURIComponent(d.runDir)}/report.html` : undefined;
    return {
      device: d.device,
      outcome: d.outcome,
      outcomeClass: d.outcome === 'NOT-RUN' ? (d.skipped ? 'SKIPPED' : 'ERROR') : d.outcome,
      why: d.skipped ?? d.error?.message,
      identity: d.identity ? `${d.identity.model} s/n ${d.identity.serialNumber} firmware ${d.identity.firmware}` : undefined,
      cells,
      cases: d.cases,
      health: d.health.state === 'good' ? 'good' : `${d.health.state}: ${d.health.reason}`,
      ...(link ? { link, transcript: `${encodeURIComponent(d.runDir!)}/transcript/`, record: `${encodeURIComponent(d.runDir!)}/record.json` } : {}),
    };
  });
  const verdictClass: Outcome = summary.exitCode === 0 ? 'PASS' : summary.exitCode === 1 ? 'FAIL' : 'ERROR';
  return render('bench', { summary, suites, rows, verdictClass, ranCount: summary.devices.filter((d) => d.runDir).length, duration: formatDuration(summary.durationMs) });
}
