/**
 * The one result of a bench run: its `record.json` (per device: how its run ended, which cases
 * it ran, its health after, where its own record is; schema
 * harness/config/schemas/bench-run.schema.json), one JUnit file whose test suites carry the
 * device's name, and the text printed at the end. The exit code of the bench is the worst of its
 * devices'.
 */
import type { DeviceIdentity, RunRecord, RunStatus, RunSummary } from '../core/record.js';
import type { Outcome } from '../core/outcome.js';
import { ExitCode } from '../core/errors.js';
import { renderJunit } from '../reporters/junit.js';
import type { HealthState } from './pool/health.js';

export const BENCH_RECORD_KIND = 'poshil.bench-run';
/** Record schema version 2 brought the bench record; a device's own record is version 2 too. */
export const BENCH_RECORD_VERSION = 2;

export interface DeviceRunSummary {
  device: string;
  labels: Readonly<Record<string, string>>;
  address: string;
  /** PASS…ABORTED from its record; NOT-RUN when the device was skipped, locked or never reached. */
  outcome: Outcome | 'NOT-RUN';
  /** The device run's exit code; absent for a device skipped for its health. */
  exitCode?: number;
  status?: RunStatus;
  /** The device's run folder, relative to the bench run folder. */
  runDir?: string;
  summary?: RunSummary;
  identity?: Pick<DeviceIdentity, 'model' | 'serialNumber' | 'firmware'>;
  /** Which cases this device ran (with --spread, its share). */
  cases: { suite: string; id: string; outcome: Outcome }[];
  error?: { code: string; message: string };
  /** Why the device did not run. */
  skipped?: string;
  /** How often its link dropped (record.json has each outage); absent when never. */
  outages?: number;
  health: { state: HealthState; reason: string };
}

export interface BenchSummary {
  kind: typeof BENCH_RECORD_KIND;
  schemaVersion: typeof BENCH_RECORD_VERSION;
  benchRunId: string;
  bench: { name: string; file: string; sha256: string };
  selection: string;
  mode: 'fleet' | 'spread';
  host: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  exitCode: number;
  devices: DeviceRunSummary[];
}

const SEVERITY: readonly number[] = [ExitCode.ok, ExitCode.caseFailed, ExitCode.invalidInput, ExitCode.deviceError, ExitCode.interrupted];

/** The worst of the devices' exit codes: interrupted over device error over bad input over a failed case. */
export function worstExitCode(codes: Iterable<number>): number {
  let worst: number = ExitCode.ok;
  for (const code of codes) if (SEVERITY.indexOf(code) > SEVERITY.indexOf(worst)) worst = code;
  return worst;
}

export function casesOf(record: RunRecord): DeviceRunSummary['cases'] {
  return record.suites.flatMap((s) => s.cases.map((c) => ({ suite: s.id, id: c.id, outcome: c.outcome })));
}

/** One JUnit file for the bench: a testsuite per device × suite, named "device/suite". */
export function renderBenchJunit(runs: readonly { device: string; record: RunRecord }[]): string {
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  const blocks: string[] = [];
  for (const { device, record } of runs) {
    const named: RunRecord = { ...record, suites: record.suites.map((s) => ({ ...s, id: `${device}/${s.id}` })) };
    const xml = renderJunit(named);
    const start = xml.indexOf('<testsuite ');
    const end = xml.lastIndexOf('</testsuites>');
    if (start >= 0 && end > start) blocks.push(xml.slice(start, end).trimEnd());
    const s = record.summary;
    tests += s.total;
    failures += s.failed;
    errors += s.errors + s.timeouts + s.aborted;
    skipped += s.skipped;
  }
  const head = `<testsuites name="poshil bench" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}">`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${head}\n${blocks.map((b) => `  ${b}`).join('\n')}\n</testsuites>\n`;
}

export function formatBenchSummary(summary: BenchSummary, summaryPath: string): string {
  const width = Math.max(6, ...summary.devices.map((d) => d.device.length));
  const lines = [`\nbench ${summary.bench.name} · ${summary.mode} · run ${summary.benchRunId} · ${summary.devices.length} device${summary.devices.length === 1 ? '' : 's'}`];
  for (const d of summary.devices) {
    const s = d.summary;
    const counts = s ? `${s.passed} passed, ${s.failed} failed${s.errors ? `, ${s.errors} errors` : ''}${s.timeouts ? `, ${s.timeouts} timed out` : ''}${s.aborted ? `, ${s.aborted} aborted` : ''} of ${s.total}` : '';
    const why = [d.skipped ?? d.error?.message ?? '', d.outages ? `link dropped ${d.outages}×` : ''].filter(Boolean).join('; ');
    const health = d.health.state === 'good' ? '' : ` [${d.health.state}: ${d.health.reason}]`;
    lines.push(`  ${d.device.padEnd(width)}  ${d.outcome.padEnd(7)}  ${[counts, why].filter(Boolean).join(' — ')}${health}`);
  }
  lines.push(`bench exit ${summary.exitCode} in ${(summary.durationMs / 1000).toFixed(1)} s · summary ${summaryPath}`);
  return lines.join('\n') + '\n';
}
