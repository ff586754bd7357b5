/**
 * JUnit XML as Jenkins, GitLab and GitHub test reporters read it: one <testsuite> per suite,
 * one <testcase> per case. FAIL is a <failure>; ERROR, TIMEOUT and ABORTED are <error> with the
 * outcome as type; SKIPPED is <skipped>, and so is a case that never started (Ctrl-C, --bail):
 * thirty red errors for one interruption would bury the failure that matters. Earlier attempts of a retried case are written as Maven
 * Surefire writes reruns, which Jenkins and GitLab show: <flakyFailure>/<flakyError> in a case
 * that passed at last, <rerunFailure>/<rerunError> in one that never did. A run that could not
 * go on (terminal unreachable) is one <error> in a testsuite of its own, not an error per case.
 * A plan's verdict (run --plan, certify) is a testsuite "plan" of one case, failed with the
 * plan's reasons when it is not met; a failed case the plan waived says so in its system-out.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { clock, type LoadSeries } from '../core/load-series.js';
import { isFlaky, type AttemptRecord, type CaseRecord, type PlanVerdict, type RunRecord, type StepRecord } from '../core/record.js';
import type { Reporter } from './reporter.js';
import { makeFolders } from '../core/folders.js';

// XML 1.0 allows tab, LF, CR and everything from 0x20 except the surrogates and FFFE/FFFF.
const FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlEscape(text: string): string {
  return text
    .replace(FORBIDDEN, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(3);

function failingStep(c: CaseRecord): StepRecord | undefined {
  return c.attempts.at(-1)?.steps.find((s) => s.outcome !== 'PASS' && s.outcome !== 'SKIPPED');
}

function details(c: CaseRecord): string {
  const step = failingStep(c);
  const lines = [`${c.outcome}: ${c.reason ?? ''}`];
  if (step) {
    if (step.expected !== undefined) lines.push(`expected: ${JSON.stringify(step.expected)}`);
    if (step.observed !== undefined) lines.push(`observed: ${JSON.stringify(step.observed)}`);
    for (const issue of step.issues ?? []) lines.push(`  ${issue.path}: ${issue.message}`);
  }
  if (c.troubleshoot) lines.push(`troubleshoot: ${c.troubleshoot}`);
  return lines.join('\n');
}

const neverRan = (c: CaseRecord) => c.outcome === 'ABORTED' && c.attempts.length === 0;
const isError = (c: CaseRecord) => (c.outcome === 'ERROR' || c.outcome === 'TIMEOUT' || c.outcome === 'ABORTED') && !neverRan(c);
const isSkipped = (c: CaseRecord) => c.outcome === 'SKIPPED' || neverRan(c);

function testcase(c: CaseRecord, waiver?: NonNullable<PlanVerdict['waived']>[number]): string {
  const name = xmlEscape(c.title ? `${c.id}: ${c.title}` : c.id);
  const open = `    <testcase classname="poshil.${xmlEscape(c.suite)}" name="${name}" time="${seconds(c.durationMs)}"`;
  const parts: string[] = [];
  const message = xmlEscape((c.reason ?? c.outcome).slice(0, 500));
  if (c.outcome === 'FAIL') parts.push(`      <failure message="${message}" type="FAIL">${xmlEscape(details(c))}</failure>`);
  else if (c.outcome === 'SKIPPED' || neverRan(c)) parts.push(`      <skipped message="${message}"/>`);
  else if (c.outcome === 'ERROR' || c.outcome === 'TIMEOUT' || c.outcome === 'ABORTED') parts.push(`      <error message="${message}" type="${c.outcome}">${xmlEscape(details(c))}</error>`);
  const earlier = c.attempts.slice(0, -1);
  const out: string[] = [];
  if (waiver) out.push(`waived by the plan: ${waiver.reason} (${waiver.approver}, until ${waiver.expires})`);
  if (earlier.length > 0) {
    const kind = isFlaky(c) ? 'flaky' : 'rerun';
    for (const a of earlier) parts.push(rerun(kind, a));
    out.push(c.attempts.map((a) => `attempt ${a.attempt}: ${a.outcome}${a.reason ? ` — ${a.reason}` : ''}`).join('\n'));
  }
  // A soak's windows: CI servers show system-out beside the case, so "slower after two hours" is readable there too.
  for (const step of c.attempts.at(-1)?.steps ?? []) {
    const text = seriesText(step);
    if (text) out.push(text);
  }
  if (out.length > 0) parts.push(`      <system-out>${xmlEscape(out.join('\n'))}</system-out>`);
  // A check that looked at nothing: beside the case, where CI servers show a case's output.
  const warnings = (c.attempts.at(-1)?.steps ?? []).flatMap((s) => (s.warnings ?? []).map((w) => `warning: step ${s.index + 1} (${s.label}): ${w}`));
  if (warnings.length > 0) parts.push(`      <system-err>${xmlEscape(warnings.join('\n'))}</system-err>`);
  return parts.length === 0 ? `${open}/>` : `${open}>\n${parts.join('\n')}\n    </testcase>`;
}

/** One earlier attempt, as Surefire's <flakyFailure>/<rerunError>…: message, type and a stack trace (here the failing step). */
function rerun(kind: 'flaky' | 'rerun', a: AttemptRecord): string {
  const element = `${kind}${a.outcome === 'FAIL' ? 'Failure' : 'Error'}`;
  const step = a.steps.find((s) => s.outcome !== 'PASS' && s.outcome !== 'SKIPPED');
  const trace = [`attempt ${a.attempt}: ${a.outcome}${a.reason ? ` — ${a.reason}` : ''}`, ...(step?.issues ?? []).map((i) => `  ${i.path}: ${i.message}`)].join('\n');
  return `      <${element} message="${xmlEscape((a.reason ?? a.outcome).slice(0, 500))}" type="${a.outcome}">\n        <stackTrace>${xmlEscape(trace)}</stackTrace>\n      </${element}>`;
}

/** The run-level error as a testsuite of its own with one errored testcase. */
function runErrorSuite(record: RunRecord, properties: string): string {
  const e = record.error!;
  const text = [`${e.message} [${e.code}]`, ...(e.hint ? [`hint: ${e.hint}`] : [])].join('\n');
  return `  <testsuite name="poshil" tests="1" failures="0" errors="1" skipped="0" time="${seconds(record.durationMs)}" timestamp="${xmlEscape(record.startedAt)}" hostname="${xmlEscape(record.host)}">
    <properties>\n${properties}\n    </properties>
    <testcase classname="poshil.run" name="the run could not go on" time="${seconds(record.durationMs)}">
      <error message="${xmlEscape(e.message.slice(0, 500))}" type="${xmlEscape(e.code)}">${xmlEscape(text)}</error>
    </testcase>
  </testsuite>`;
}

/** The plan's verdict as a testsuite of one case: a plan not met fails the report, whatever its cases did. */
function planSuite(record: RunRecord, plan: PlanVerdict, properties: string): string {
  const failed = plan.met ? 0 : 1;
  const name = xmlEscape(`${plan.id} ${plan.version}`);
  const body = plan.met
    ? plan.waived?.length
      ? `>\n      <system-out>${xmlEscape(plan.waived.map((w) => `waived: ${w.case}: ${w.reason} (${w.approver}, until ${w.expires})`).join('\n'))}</system-out>\n    </testcase>`
      : '/>'
    : `>\n      <failure message="${xmlEscape(`plan not met: ${plan.reasons[0] ?? ''}`.slice(0, 500))}" type="PLAN">${xmlEscape(plan.reasons.join('\n'))}</failure>\n    </testcase>`;
  return `  <testsuite name="plan" tests="1" failures="${failed}" errors="0" skipped="0" time="${seconds(record.durationMs)}" timestamp="${xmlEscape(record.startedAt)}" hostname="${xmlEscape(record.host)}">
    <properties>\n${properties}\n    </properties>
    <testcase classname="poshil.plan" name="${name}" time="${seconds(record.durationMs)}"${body}
  </testsuite>`;
}

/** What JUnit shows of a case: its attempts, each with only the step that failed, and the time series of its load steps. */
export function junitEssentials(c: CaseRecord): CaseRecord {
  return {
    ...c,
    attempts: c.attempts.map((a) => {
      const failing = a.steps.find((s) => s.outcome !== 'PASS' && s.outcome !== 'SKIPPED');
      const series = a.steps.filter((s) => s !== failing && s.details?.['series']).map((s) => ({ ...s, details: { series: s.details!['series'] } }));
      return { ...a, steps: [...(failing ? [failing] : []), ...series].sort((x, y) => x.index - y.index) };
    }),
  };
}

/** A load step's windows, a line each. */
export function seriesText(step: StepRecord): string | undefined {
  const series = step.details?.['series'] as LoadSeries | undefined;
  if (!series || !Array.isArray(series.windows) || series.windows.length === 0) return undefined;
  const ms = (v: number | null) => (v === null ? '–' : `${Math.round(v * 10) / 10} ms`);
  const lines = series.windows.map((w) => {
    const t = w.terminal;
    const terminal = t ? (t.error ? `; terminal: ${t.error}` : `; terminal ${[t.freeMemoryKb !== undefined ? `${t.freeMemoryKb} KiB free` : '', t.temperatureC !== undefined ? `${t.temperatureC} °C` : ''].filter(Boolean).join(', ') || t.state || ''}`) : '';
    const h = w.harness;
    return (
      `window ${w.index + 1} ${clock(w.startMs)}–${clock(w.endMs)}${w.partial ? ' (partial)' : ''}: ${w.transactions} transactions, ` +
      `${w.successRate === null ? '–' : `${Math.round(w.successRate * 100) / 100} %`} ok, ${w.tps} tps, p50 ${ms(w.p50)}, p95 ${ms(w.p95)}, p99 ${ms(w.p99)}${terminal}` +
      `${h ? `; poshil ${h.rssMiB} MiB rss, ${h.heapUsedMiB} MiB heap` : ''}${w.reboots ? `; ${w.reboots} reboot${w.reboots > 1 ? 's' : ''}` : ''}${w.over?.length ? `; OVER LIMIT: ${w.over.join(', ')}` : ''}`
    );
  });
  const drift = series.drift ? [`drift compared window ${series.drift.first + 1} with window ${series.drift.last + 1}`] : [];
  return [`step ${step.index + 1} (${step.label}): ${series.windows.length} windows of ${Math.round(series.windowMs / 100) / 10} s`, ...lines, ...drift].join('\n');
}

/** Writes the JUnit XML in pieces, a test case at a time (a 100,000-step run is never one string). */
export function writeJunit(record: RunRecord, write: (text: string) => void): void {
  const s = record.summary;
  const identity = record.device.identity;
  // `firmware`: what a suite's cases ran on, when an upgrade earlier in the run makes it differ from the end's.
  const propertiesOf = (firmware = identity?.firmware, firmwareAtEnd?: string) =>
    [
      ['poshil.version', record.tool.version],
      ['run.id', record.runId],
      ['run.status', record.status],
      ['device.profile', record.device.profile],
      ...(identity ? [['device.model', identity.model], ['device.serialNumber', identity.serialNumber], ['device.firmware', firmware!]] : []),
      ...(firmwareAtEnd ? [['device.firmwareAtEnd', firmwareAtEnd]] : []),
      // A run that upgraded the terminal: the firmware its cases before the upgrade ran on.
      ...(record.device.identityAtStart ? [['device.firmwareAtStart', record.device.identityAtStart.firmware]] : []),
    ]
      .map(([k, v]) => `      <property name="${xmlEscape(k!)}" value="${xmlEscape(v!)}"/>`)
      .join('\n');
  const properties = propertiesOf();
  const runError = record.error ? 1 : 0;
  const plan = record.plan;
  const planCase = plan ? 1 : 0;
  const planFailed = plan && !plan.met ? 1 : 0;
  const waivers = new Map((plan?.waived ?? []).map((w) => [w.case, w]));
  let allErrors = 0;
  let allSkipped = 0;
  for (const suite of record.suites) for (const c of suite.cases) (allErrors += isError(c) ? 1 : 0), (allSkipped += isSkipped(c) ? 1 : 0);
  write(`<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="poshil" tests="${s.total + runError + planCase}" failures="${s.failed + planFailed}" errors="${allErrors + runError}" skipped="${allSkipped}" time="${seconds(record.durationMs)}" timestamp="${xmlEscape(record.startedAt)}">\n`);
  if (record.error) write(runErrorSuite(record, properties) + (record.suites.length || plan ? '\n' : ''));
  if (plan) write(planSuite(record, plan, properties) + (record.suites.length ? '\n' : ''));
  record.suites.forEach((suite, i) => {
    let failures = 0;
    let errors = 0;
    let skipped = 0;
    let time = 0;
    for (const c of suite.cases) {
      if (c.outcome === 'FAIL') failures++;
      else if (isError(c)) errors++;
      else if (isSkipped(c)) skipped++;
      time += c.durationMs;
    }
    const first = suite.cases[0]?.firmware ?? identity?.firmware;
    const last = suite.cases.at(-1)?.firmware ?? first;
    const suiteProperties = first === identity?.firmware && last === first ? properties : propertiesOf(first, last !== first ? last : undefined);
    const attrs = `name="${xmlEscape(suite.id)}" tests="${suite.cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(time)}" timestamp="${xmlEscape(suite.cases[0]?.startedAt ?? record.startedAt)}" hostname="${xmlEscape(record.host)}"`;
    write(`${i > 0 ? '\n' : ''}  <testsuite ${attrs}>\n    <properties>\n${suiteProperties}\n    </properties>\n`);
    suite.cases.forEach((c, n) => write((n > 0 ? '\n' : '') + testcase(c, c.outcome === 'PASS' ? undefined : waivers.get(`${c.suite}/${c.id}`))));
    write('\n  </testsuite>');
  });
  write('\n</testsuites>\n');
}

export function renderJunit(record: RunRecord): string {
  const parts: string[] = [];
  writeJunit(record, (text) => parts.push(text));
  return parts.join('');
}

/** Writes through to a file a block at a time. */
export function fileWriter(path: string): { write(text: string): void; end(): void } {
  const fd = openSync(path, 'w');
  let pending = '';
  return {
    write(text) {
      pending += text;
      if (pending.length >= 1 << 16) (writeSync(fd, pending), (pending = ''));
    },
    end() {
      writeSync(fd, pending);
      closeSync(fd);
    },
  };
}

export function junitReporter(path: string): Reporter {
  return {
    name: 'junit',
    onRunEnd(record) {
      makeFolders(dirname(path));
      const out = fileWriter(path);
      try {
        writeJunit(record, out.write);
      } finally {
        out.end();
      }
    },
  };
}
