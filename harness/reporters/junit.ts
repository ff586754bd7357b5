/**
 * JUnit XML as Jenkins, GitLab and GitHub test reporters read it: one <testsuite> per suite,
 * one <testcase> per case. FAIL is a <failure>; ERROR, TIMEOUT and ABORTED are <error> with the
 * outcome as type; SKIPPED is <skipped>. Earlier attempts of a retried case go to <system-out>.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CaseRecord, RunRecord, StepRecord } from '../core/record.js';
import type { Reporter } from './reporter.js';

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

function testcase(c: CaseRecord): string {
  const name = xmlEscape(c.title ? `${c.id}: ${c.title}` : c.id);
  const open = `    <testcase classname="poshil.${xmlEscape(c.suite)}" name="${name}" time="${seconds(c.durationMs)}"`;
  const parts: string[] = [];
  const message = xmlEscape((c.reason ?? c.outcome).slice(0, 500));
  if (c.outcome === 'FAIL') parts.push(`      <failure message="${message}" type="FAIL">${xmlEscape(details(c))}</failure>`);
  else if (c.outcome === 'ERROR' || c.outcome === 'TIMEOUT' || c.outcome === 'ABORTED') parts.push(`      <error message="${message}" type="${c.outcome}">${xmlEscape(details(c))}</error>`);
  else if (c.outcome === 'SKIPPED') parts.push(`      <skipped message="${message}"/>`);
  if (c.attempts.length > 1) {
    const history = c.attempts.map((a) => `attempt ${a.attempt}: ${a.outcome}${a.reason ? ` — ${a.reason}` : ''}`).join('\n');
    parts.push(`      <system-out>${xmlEscape(history)}</system-out>`);
  }
  return parts.length === 0 ? `${open}/>` : `${open}>\n${parts.join('\n')}\n    </testcase>`;
}

/** What JUnit shows of a case: its attempts, and of the last one only the step that failed. */
export function junitEssentials(c: CaseRecord): CaseRecord {
  const failing = failingStep(c);
  return { ...c, attempts: c.attempts.map((a, i) => ({ ...a, steps: i === c.attempts.length - 1 && failing ? [failing] : [] })) };
}

/** Writes the JUnit XML in pieces, a test case at a time (a 100,000-step run is never one string). */
export function writeJunit(record: RunRecord, write: (text: string) => void): void {
  const s = record.summary;
  const identity = record.device.identity;
  const props = [
    ['poshil.version', record.tool.version],
    ['run.id', record.runId],
    ['run.status', record.status],
    ['device.profile', record.device.profile],
    ...(identity ? [['device.model', identity.model], ['device.serialNumber', identity.serialNumber], ['device.firmware', identity.firmware]] : []),
  ];
  const properties = props.map(([k, v]) => `      <property name="${xmlEscape(k!)}" value="${xmlEscape(v!)}"/>`).join('\n');
  write(`<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="poshil" tests="${s.total}" failures="${s.failed}" errors="${s.errors + s.timeouts + s.aborted}" skipped="${s.skipped}" time="${seconds(record.durationMs)}" timestamp="${xmlEscape(record.startedAt)}">\n`);
  record.suites.forEach((suite, i) => {
    let failures = 0;
    let errors = 0;
    let skipped = 0;
    let time = 0;
    for (const c of suite.cases) {
      if (c.outcome === 'FAIL') failures++;
      else if (c.outcome === 'ERROR' || c.outcome === 'TIMEOUT' || c.outcome === 'ABORTED') errors++;
      else if (c.outcome === 'SKIPPED') skipped++;
      time += c.durationMs;
    }
    const attrs = `name="${xmlEscape(suite.id)}" tests="${suite.cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(time)}" timestamp="${xmlEscape(suite.cases[0]?.startedAt ?? record.startedAt)}" hostname="${xmlEscape(record.host)}"`;
    write(`${i > 0 ? '\n' : ''}  <testsuite ${attrs}>\n    <properties>\n${properties}\n    </properties>\n`);
    suite.cases.forEach((c, n) => write((n > 0 ? '\n' : '') + testcase(c)));
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
      mkdirSync(dirname(path), { recursive: true });
      const out = fileWriter(path);
      try {
        writeJunit(record, out.write);
      } finally {
        out.end();
      }
    },
  };
}
