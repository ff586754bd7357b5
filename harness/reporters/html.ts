/**
 * The HTML report: one self-contained file rendered from the run record with handlebars
 * (reports/templates). Every string from the device or the suite is escaped by `{{…}}`; only
 * the stylesheet and poshil's own SVG charts are inserted raw.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { LoadSeries } from '../core/load-series.js';
import { isFlaky, type CaseRecord, type RunRecord, type StepRecord, type TranscriptEntry } from '../core/record.js';
import { durationChart } from './duration-chart.js';
import { ReceiptMatcher, readRunReceipts, type ReceiptText } from './html-receipts.js';
import { formatDuration, limitText, pretty, render } from './html-render.js';
import type { Reporter } from './reporter.js';
import { KIND_NAMES } from './text.js';
import { seriesView } from './series-chart.js';
import { latencyChart, type LatencyDetails } from './svg-chart.js';
import { makeFolders } from '../core/folders.js';

/** A failure's transcript excerpt keeps the frames just before it ended, where the answer went wrong. */
const EXCERPT_HEAD = 2;
const EXCERPT_TAIL = 12;

function trimExcerpt(excerpt: readonly TranscriptEntry[]): { lines: TranscriptEntry[]; omitted: number } {
  if (excerpt.length <= EXCERPT_HEAD + EXCERPT_TAIL + 1) return { lines: [...excerpt], omitted: 0 };
  return { lines: [...excerpt.slice(0, EXCERPT_HEAD), ...excerpt.slice(-EXCERPT_TAIL)], omitted: excerpt.length - EXCERPT_HEAD - EXCERPT_TAIL };
}

function stepView(step: StepRecord, receipts: ReceiptMatcher) {
  const failed = step.outcome !== 'PASS' && step.outcome !== 'SKIPPED';
  const latency = step.details?.['latency'] as LatencyDetails | undefined;
  const excerpt = trimExcerpt(step.transcript?.excerpt ?? []);
  const receipt = receipts.forStep(step);
  return {
    ...step,
    index1: step.index + 1,
    duration: formatDuration(step.durationMs),
    measurements: (step.measurements ?? []).map((m) => ({ ...m, ...limitText(m.limits, m.unit) })),
    chart: latency ? latencyChart(latency, `${step.label}: latency`) : undefined,
    series: seriesView(step.details?.['series'] as LoadSeries | undefined, step.label),
    showEvidence: failed,
    expected: failed ? pretty(step.expected) : undefined,
    observed: failed ? pretty(step.observed) : undefined,
    excerpt: excerpt.lines.map((e, i) => ({ ...e, gapBefore: excerpt.omitted > 0 && i === EXCERPT_HEAD ? excerpt.omitted : 0 })),
    receipt: receipt ? { ...receipt, body: receipt.text.join('\n') } : undefined,
  };
}

/** A step the report shows as one table row and nothing more: no measurement, chart, evidence or receipt. */
function isPlain(step: StepRecord, receipts: ReceiptMatcher): boolean {
  return (step.outcome === 'PASS' || step.outcome === 'SKIPPED') && !step.warnings?.length && !step.measurements?.length && !step.details?.['latency'] && !receipts.forStep(step);
}

/**
 * The steps of a closed case of plain steps, as data the page draws into the same table when the
 * case is opened: a 100,000-step run's page then holds a row of data per step, not a row of HTML,
 * and the browser lays out only what is opened. `<` is escaped so that no label ends the script.
 */
function lazySteps(c: CaseRecord): string {
  const attempts = c.attempts.map((a) => ({
    attempt: a.attempt,
    steps: a.steps.map((s) => [s.index + 1, s.label, s.outcome, formatDuration(s.durationMs), s.timeoutMs ?? 0, s.reason ?? '']),
  }));
  return JSON.stringify(attempts).replace(/</g, '\\u003c');
}

/**
 * What the report needs of a case read from a big record: a passing step shows no request,
 * expectation or answer, so they are dropped as each case is read (`readRecord`'s keep).
 */
export function keepForHtml(c: CaseRecord): CaseRecord {
  if (c.outcome !== 'PASS' && c.outcome !== 'SKIPPED') return c;
  return {
    ...c,
    attempts: c.attempts.map((a) => ({
      ...a,
      steps: a.steps.map((s) => {
        if (s.outcome !== 'PASS' && s.outcome !== 'SKIPPED') return s;
        const { request: _request, expected: _expected, observed: _observed, ...shown } = s;
        return shown;
      }),
    })),
  };
}

const stateOf = (c: CaseRecord) => (isFlaky(c) ? 'flaky' : c.outcome === 'PASS' ? 'passed' : c.outcome === 'SKIPPED' ? 'skipped' : 'failed');

function caseView(c: CaseRecord, receipts: ReceiptMatcher) {
  const failed = c.outcome !== 'PASS' && c.outcome !== 'SKIPPED';
  // Failures and load steps (with their latency chart) are shown unfolded.
  const open = failed || c.attempts.some((a) => a.steps.some((s) => s.details?.['latency']));
  const lazy = !open && c.attempts.length === 1 && c.attempts[0]!.steps.every((s) => isPlain(s, receipts));
  return {
    ...c,
    anchor: anchorOf(c),
    state: stateOf(c),
    search: `${c.suite}/${c.id} ${c.title ?? ''}`.toLowerCase(),
    open,
    duration: formatDuration(c.durationMs),
    retried: c.attempts.length > 1,
    flaky: isFlaky(c),
    warningCount: c.attempts.at(-1)?.steps.reduce((n, s) => n + (s.warnings?.length ?? 0), 0) ?? 0,
    attemptCount: c.attempts.length,
    showTroubleshoot: failed && Boolean(c.troubleshoot),
    kindName: c.failureKind ? KIND_NAMES[c.failureKind] : undefined,
    attempts: lazy ? [] : c.attempts.map((a) => ({ ...a, steps: a.steps.map((s) => stepView(s, receipts)) })),
    lazySteps: lazy && c.attempts[0]!.steps.length > 0 ? lazySteps(c) : undefined,
  };
}

const anchorOf = (c: CaseRecord) => `${c.suite}-${c.id}`;

export interface HtmlOptions {
  /** Receipts of the run, shown next to the steps that received them. */
  receipts?: readonly ReceiptText[];
  /** How many receipts the run printed (default: as many as `receipts`). */
  receiptCount?: number;
  /** Path from the report to the run folder, for links to its files; none when unknown. */
  runFolder?: string;
  /** The transcript inside the run folder: `transcript/` (segments) or an older run's `transcript.ndjson`. */
  transcript?: string;
}

export function renderHtml(record: RunRecord, options: HtmlOptions = {}): string {
  const s = record.summary;
  const partial = record.status !== 'finished' && record.status !== 'error';
  // Every case may pass and the plan still not be met (a firmware it does not certify): the banner says FAIL.
  const planFailed = record.plan?.met === false && (s.outcome === 'PASS' || s.outcome === 'SKIPPED');
  const verdict = record.status === 'interrupted' ? 'INTERRUPTED' : record.status === 'crashed' ? 'CRASHED' : record.status === 'error' ? 'ERROR' : planFailed ? 'FAIL' : s.outcome;
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
  const receipts = new ReceiptMatcher(options.receipts ?? []);
  const receiptCount = options.receiptCount ?? options.receipts?.length ?? 0;
  const cases = record.suites.flatMap((suite) => suite.cases);
  const index = cases
    .filter((c) => stateOf(c) === 'failed' || stateOf(c) === 'flaky')
    .map((c) => ({ anchor: anchorOf(c), key: `${c.suite}/${c.id}`, outcome: isFlaky(c) ? 'FLAKY' : c.outcome, reason: c.reason ?? (isFlaky(c) ? `passed on attempt ${c.attempts.length}` : '') }));
  const base = options.runFolder === undefined ? undefined : options.runFolder === '' ? '' : `${options.runFolder.replace(/\\/g, '/')}/`;
  const links =
    base === undefined
      ? []
      : [
          { label: 'transcript', href: `${base}${options.transcript ?? 'transcript.ndjson'}` },
          { label: 'log', href: `${base}poshil.log` },
          { label: 'JUnit XML', href: `${base}junit.xml` },
          { label: 'record', href: `${base}record.json` },
          ...(receiptCount > 0 ? [{ label: `receipts (${receiptCount})`, href: `${base}receipts/` }] : []),
        ];
  return render('report', {
    record,
    verdict,
    verdictClass: partial ? record.status : record.status === 'error' ? 'ERROR' : planFailed ? 'FAIL' : s.outcome,
    partial,
    summaryText: record.status === 'error' && s.total === 0 ? 'no case ran' : `${s.passed} of ${s.total} cases passed${flaky ? ` (${flaky} flaky)` : ''}`,
    duration: formatDuration(record.durationMs),
    outages: (record.outages ?? []).map((o) => ({
      ...o,
      kind: o.backAt ? (o.expected ? 'expected' : 'unexpected') : 'lost',
      class: o.backAt ? (o.expected ? 'PASS' : 'ERROR') : 'ERROR',
      downFor: formatDuration(o.downMs),
      firmwareBefore: o.identityBefore?.firmware,
      firmwareAfter: o.identityAfter?.firmware,
    })),
    counts,
    index,
    links,
    filters: [
      { name: 'all', label: `all (${cases.length})` },
      { name: 'failed', label: `failed (${cases.filter((c) => stateOf(c) === 'failed').length})` },
      { name: 'flaky', label: `flaky (${flaky})` },
      { name: 'skipped', label: `skipped (${cases.filter((c) => stateOf(c) === 'skipped').length})` },
    ],
    script: FILTER_SCRIPT,
    suites: record.suites.map((suite) => ({
      ...suite,
      chart: durationChart(suite.cases, `${suite.id}: time per case`, formatDuration),
      cases: suite.cases.map((c) => caseView(c, receipts)),
    })),
  });
}

/** Filters, search, anchors that open their case, and the steps of a case drawn when it opens; no library, no network. */
const FILTER_SCRIPT = `(() => {
  const cell = (row, text, className) => { const td = row.insertCell(); td.textContent = text; if (className) td.className = className; return td; };
  const drawSteps = (c) => {
    const data = c.querySelector('script.lazy-steps');
    if (!data) return;
    for (const attempt of JSON.parse(data.textContent)) {
      const table = document.createElement('table');
      const head = table.insertRow();
      for (const name of ['#', 'step', 'outcome', 'time', 'reason']) head.appendChild(document.createElement('th')).textContent = name;
      for (const [n, label, outcome, time, timeout, reason] of attempt.steps) {
        const row = table.insertRow();
        cell(row, n);
        cell(row, label);
        const badge = cell(row, '').appendChild(document.createElement('span'));
        badge.className = 'badge ' + outcome;
        badge.textContent = outcome;
        cell(row, timeout ? time + ' / ' + timeout + ' ms' : time, 'mono');
        cell(row, reason);
      }
      data.before(table);
    }
    data.remove();
  };
  const cases = Array.from(document.querySelectorAll('details.case'));
  const shown = document.getElementById('shown');
  let filter = 'all';
  let query = '';
  const apply = () => {
    for (const c of cases) c.hidden = !((filter === 'all' || c.dataset.state === filter) && (!query || c.dataset.search.includes(query)));
    for (const b of document.querySelectorAll('[data-filter]')) b.setAttribute('aria-pressed', String(b.dataset.filter === filter));
    for (const s of document.querySelectorAll('section.suite')) s.hidden = !s.querySelector('details.case:not([hidden])');
    shown.textContent = cases.filter((c) => !c.hidden).length + ' of ' + cases.length + ' cases shown';
  };
  for (const b of document.querySelectorAll('[data-filter]')) b.addEventListener('click', () => { filter = b.dataset.filter; apply(); });
  document.getElementById('search').addEventListener('input', (e) => { query = e.target.value.trim().toLowerCase(); apply(); });
  const openTarget = () => {
    const target = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
    if (!target || !target.matches('details.case')) return;
    if (target.hidden) { filter = 'all'; query = ''; document.getElementById('search').value = ''; apply(); }
    target.open = true;
    target.scrollIntoView();
  };
  window.addEventListener('hashchange', openTarget);
  for (const c of cases) c.addEventListener('toggle', () => { if (c.open) drawSteps(c); });
  apply();
  openTarget();
})();`;

export function htmlReporter(path: string, runDir?: string): Reporter {
  return {
    name: 'html',
    onRunEnd(record) {
      makeFolders(dirname(path));
      const options: HtmlOptions = runDir ? runFolderOptions(record, runDir, dirname(path)) : {};
      writeFileSync(path, renderHtml(record, options));
    },
  };
}

/** What the report shows of a run folder: the receipts its steps received, and links to its files. */
export function runFolderOptions(record: RunRecord, runDir: string, reportDir: string): HtmlOptions {
  const { receipts, total } = readRunReceipts(runDir, record);
  const transcript = existsSync(join(runDir, 'transcript')) || !existsSync(join(runDir, 'transcript.ndjson')) ? 'transcript/' : 'transcript.ndjson';
  return { receipts, receiptCount: total, runFolder: relative(reportDir, runDir), transcript };
}
