/**
 * The HTML report: one self-contained file rendered from the run record with handlebars
 * (reports/templates). Every string from the device or the suite is escaped by `{{…}}`; only
 * the stylesheet and poshil's own SVG charts are inserted raw.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isFlaky, type CaseRecord, type RunRecord, type StepRecord } from '../core/record.js';
import { formatDuration, limitText, pretty, render } from './html-render.js';
import type { Reporter } from './reporter.js';
import { KIND_NAMES } from './text.js';
import { latencyChart, type LatencyDetails } from './svg-chart.js';

function stepView(step: StepRecord) {
  const failed = step.outcome !== 'PASS' && step.outcome !== 'SKIPPED';
  const latency = step.details?.['latency'] as LatencyDetails | undefined;
  return {
    ...step,
    index1: step.index + 1,
    duration: formatDuration(step.durationMs),
    measurements: (step.measurements ?? []).map((m) => ({ ...m, ...limitText(m.limits, m.unit) })),
    chart: latency ? latencyChart(latency, `${step.label}: latency`) : undefined,
    showEvidence: failed,
    expected: failed ? pretty(step.expected) : undefined,
    observed: failed ? pretty(step.observed) : undefined,
    excerpt: step.transcript?.excerpt ?? [],
  };
}

function caseView(c: CaseRecord) {
  const failed = c.outcome !== 'PASS' && c.outcome !== 'SKIPPED';
  return {
    ...c,
    anchor: `${c.suite}-${c.id}`,
    // Failures and load steps (with their latency chart) are shown unfolded.
    open: failed || c.attempts.some((a) => a.steps.some((s) => s.details?.['latency'])),
    duration: formatDuration(c.durationMs),
    retried: c.attempts.length > 1,
    flaky: isFlaky(c),
    attemptCount: c.attempts.length,
    showTroubleshoot: failed && Boolean(c.troubleshoot),
    kindName: c.failureKind ? KIND_NAMES[c.failureKind] : undefined,
    attempts: c.attempts.map((a) => ({ ...a, steps: a.steps.map(stepView) })),
  };
}

export function renderHtml(record: RunRecord): string {
  const s = record.summary;
  const partial = record.status !== 'finished' && record.status !== 'error';
  const verdict = record.status === 'interrupted' ? 'INTERRUPTED' : record.status === 'crashed' ? 'CRASHED' : record.status === 'error' ? 'ERROR' : s.outcome;
  const flaky = s.flaky ?? 0;
  const counts = [
    ['passed', s.passed - flaky, 'PASS'],
    ['flaky', flaky, 'FLAKY'],
    ['failed', s.failed, 'FAIL'],
    ['errors', s.errors, 'ERROR'],
    ['timed out', s.timeouts, 'TIMEOUT'],
    ['skipped', s.skipped, 'SKIPPED'],
    ['aborted', s.aborted, 'ABORTED'],
  ].map(([label, value, cls]) => ({ label, value, class: value === 0 ? 'zero' : cls }));
  return render('report', {
    record,
    verdict,
    verdictClass: partial ? record.status : record.status === 'error' ? 'ERROR' : s.outcome,
    partial,
    summaryText: record.status === 'error' && s.total === 0 ? 'no case ran' : `${s.passed} of ${s.total} cases passed${flaky ? ` (${flaky} flaky)` : ''}`,
    duration: formatDuration(record.durationMs),
    counts,
    suites: record.suites.map((suite) => ({ ...suite, cases: suite.cases.map(caseView) })),
  });
}

export function htmlReporter(path: string): Reporter {
  return {
    name: 'html',
    onRunEnd(record) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, renderHtml(record));
    },
  };
}
