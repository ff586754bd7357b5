/**
 * A bench run: the selected devices run at once (up to `workers` at a time), each as one
 * ordinary run (executeRun) with its own session, folder, transcript, journal and receipts, under
 * one bench run folder. Each device is leased from the pool first (health good, lock taken) and
 * gives back how it ended. One failing device never stops the others; Ctrl-C stops them all
 * and keeps what ran.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { join, relative } from 'node:path';
import { ExitCode, PoshilError, errorMessage } from '../core/errors.js';
import type { PlanVerdict, RunHeader, RunRecord } from '../core/record.js';
import type { RunInputs } from '../config/inputs.js';
import type { LogLevel } from '../evidence/log-levels.js';
import type { PrintedReceipt } from '../evidence/receipts.js';
import { htmlReporter } from '../reporters/html.js';
import { junitReporter } from '../reporters/junit.js';
import type { Reporter } from '../reporters/reporter.js';
import { executeRun, newRunId } from '../runner/execute-run.js';
import type { LinkLocator } from '../runner/reconnecting-terminal.js';
import { linkLatest } from '../runner/latest-link.js';
import type { SimulatorLauncher } from '../runner/simulator-process.js';
import type { OperatorFactory } from '../../devices/drivers/stimuli/operator-prompt.js';
import { selectCases, type CaseSelection } from '../runner/run.js';
import type { Bench, BenchDevice } from './bench-file.js';
import { renderBenchHtml } from './bench-html.js';
import { checkInterchangeable, dealCases } from './deal.js';
import { deviceLineReporter, type BenchConsole } from './device-lines.js';
import type { LastResult, RunEnding } from './pool/health.js';
import type { DevicePool } from './pool/pool.js';
import { resolvePort, systemPorts, type PortLister } from './port-match.js';
import { BENCH_RECORD_KIND, BENCH_RECORD_VERSION, casesOf, renderBenchJunit, worstExitCode, type BenchSummary, type DeviceRunSummary } from './summary.js';
import { makeFolders } from '../core/folders.js';
import type { TranscriptThread } from '../evidence/transcript-thread.js';

export interface BenchRunRequest {
  bench: Bench;
  /** The selected devices, each with its run inputs (its profile and the suites). */
  devices: readonly { device: BenchDevice; inputs: RunInputs }[];
  pool: DevicePool;
  selection: string;
  spread: boolean;
  /** How many devices run at once. */
  workers: number;
  outDir: string;
  lockWaitMs: number;
  /** --grep, --grep-invert and --last-failed, as every device applies them. */
  cases: CaseSelection;
  /** The --grep text as the user wrote it, for the records. */
  grepText?: string;
  /** Per device: stop after this many cases did not pass (--bail, --max-failures). */
  maxFailures?: number;
  /** Masks and writes every device's transcript off the event loop the devices share. */
  transcripts?: TranscriptThread;
  /** Per device: size at which its transcript and receipts start a new segment. */
  segmentBytes?: number;
  retries: number;
  logLevel: LogLevel;
  junit: boolean;
  html: boolean;
  console: BenchConsole;
  signal: AbortSignal;
  /**
   * How many devices may be starting at once (simulator launch, link, identify); default twice
   * the CPUs. Dozens of Node simulators booting together on two cores miss their ready time-out.
   */
  startsAtOnce?: number;
  /** How the profiles' simulators start; default: each as its own process. */
  launchSimulator?: SimulatorLauncher;
  /** Who answers a device's operator stimuli; default: a prompt in this terminal. */
  operator?: (device: BenchDevice) => OperatorFactory;
  /** Told of each receipt a device prints, as it prints. */
  onReceipt?: (device: BenchDevice) => (receipt: PrintedReceipt) => void;
  /** Where ports found by USB identity are looked up (tests give a fake list). */
  portLister?: PortLister;
  /** A plan's verdict on each device's run (a lab plan job), kept in its record. */
  judge?: (record: RunRecord) => PlanVerdict;
  /**
   * false: no bench-wide JUnit, HTML page or `latest` link (a lab job is one device, whose own
   * JUnit and HTML say it all). The bench record is written either way.
   */
  benchReports?: boolean;
  /** The lab job this bench run is (a lab worker runs one device per job); kept in the device's record. */
  lab?: RunHeader['lab'];
  /** More observers of each device's run (a lab worker uploads each case as it ends). */
  reporters?: (device: string) => Reporter[];
}

export interface BenchRunResult {
  summary: BenchSummary;
  benchDir: string;
  exitCode: number;
}

interface DeviceWork {
  device: BenchDevice;
  inputs: RunInputs;
  /** The bench's selection; with --spread, `only` is exactly the "suite/case" ids dealt to this device. */
  cases: CaseSelection;
}

export async function runBench(request: BenchRunRequest): Promise<BenchRunResult> {
  const benchRunId = newRunId();
  const benchDir = join(request.outDir, benchRunId);
  makeFolders(benchDir);
  const startedAt = new Date();
  const work = planWork(request);
  const records: { device: string; record: RunRecord }[] = [];
  const starting = new StartGate(request.startsAtOnce ?? Math.max(2, availableParallelism() * 2));

  const results = await eachLimited(work, request.workers, (item) =>
    runDevice(item).catch((error: unknown): DeviceRunSummary => {
      // One device's trouble (a damaged state file, a bug) never takes the others or the summary down.
      const failure = asPoshilError(error);
      request.console.show(item.device.name, `NOT-RUN ${failure.message}`, true);
      return { device: item.device.name, labels: item.device.labels, address: item.device.address, outcome: 'NOT-RUN', exitCode: failure.exitCode, cases: [], error: { code: failure.code, message: failure.message }, health: { state: 'good', reason: 'unknown: its run failed before health was recorded' } };
    }),
  );

  async function runDevice(item: DeviceWork): Promise<DeviceRunSummary> {
    const { device } = item;
    const base = { device: device.name, labels: device.labels, address: device.address, cases: [] };
    if (request.signal.aborted) return { ...base, outcome: 'NOT-RUN', exitCode: ExitCode.interrupted, skipped: 'interrupted before it started', health: healthOf(request.pool, device.name) };
    if (selectCount(item) === 0) return { ...base, outcome: 'NOT-RUN', exitCode: ExitCode.ok, skipped: 'no case was dealt to it', health: healthOf(request.pool, device.name) };
    let lease;
    try {
      lease = await request.pool.lease(device.name, benchRunId, { waitMs: request.lockWaitMs, signal: request.signal });
    } catch (error) {
      const failure = asPoshilError(error);
      request.console.show(device.name, `NOT-RUN ${failure.message}`, true);
      return { ...base, outcome: 'NOT-RUN', exitCode: failure.exitCode, error: { code: failure.code, message: failure.message }, health: healthOf(request.pool, device.name) };
    }
    if (!lease.leased) {
      const why = `${lease.health.state}: ${lease.health.reason}`;
      request.console.show(device.name, `SKIPPED ${why} (poshil bench release brings it back)`, true);
      return { ...base, outcome: 'NOT-RUN', skipped: why, health: { state: lease.health.state, reason: lease.health.reason } };
    }
    const runDir = join(benchDir, device.name);
    try {
      let inputs = item.inputs;
      let locate: LinkLocator | undefined;
      if (device.match) {
        const match = device.match;
        const lister = request.portLister ?? systemPorts;
        // After a reboot the adapter may come back under another path: found again by identity.
        locate = async () => ({ address: `serial:${(await resolvePort(device.name, match, lister)).path}` });
        try {
          const port = await resolvePort(device.name, device.match, lister);
          const transport = { ...inputs.profile.transport, path: port.path };
          inputs = { ...inputs, profile: { ...inputs.profile, transport } };
          request.console.show(device.name, `port    ${port.path} (found by USB identity)`, false);
        } catch (error) {
          const failure = asPoshilError(error);
          request.console.show(device.name, `NOT-RUN ${failure.message}`, true);
          const last: LastResult = { benchRunId, at: new Date().toISOString(), exitCode: failure.exitCode, outcome: 'ERROR', error: failure.message };
          const health = await request.pool.recordEnding(device.name, { kind: 'device-failure', result: last, reason: failure.message });
          return { ...base, outcome: 'NOT-RUN', exitCode: failure.exitCode, error: { code: failure.code, message: `${failure.message}${failure.context.hint ? ` (${failure.context.hint})` : ''}` }, health: { state: health.state, reason: health.reason } };
        }
      }
      const started = await starting.enter(request.signal);
      const result = await executeRun({
        inputs,
        outDir: benchDir,
        runDir,
        bench: { benchRunId, device: device.name, labels: device.labels },
        ...(request.lab ? { lab: request.lab } : {}),
        ...(request.launchSimulator ? { launchSimulator: request.launchSimulator } : {}),
        ...(request.operator ? { operator: request.operator(device) } : {}),
        ...(request.onReceipt ? { onReceipt: request.onReceipt(device) } : {}),
        ...item.cases,
        ...(request.grepText !== undefined ? { grepText: request.grepText } : {}),
        ...(request.maxFailures !== undefined ? { maxFailures: request.maxFailures } : {}),
        ...(request.segmentBytes !== undefined ? { segmentBytes: request.segmentBytes } : {}),
        ...(request.transcripts ? { transcripts: request.transcripts } : {}),
        ...(request.judge ? { judge: request.judge } : {}),
        retries: request.retries,
        logLevel: request.logLevel,
        signal: request.signal,
        ...(locate ? { locate } : {}),
        // The device has started once its first suite begins (its terminal answered identify).
        reporters: (dir) => [...deviceReporters(dir, device.name, request), { name: 'start-gate', onSuiteStart: started, onRunEnd: started }],
      }).finally(started);
      records.push({ device: device.name, record: result.record });
      const identity = result.record.device.identity;
      // A run that never reached its terminal records its cases as not run; for the bench it is an error.
      const outcome = result.record.status === 'error' ? 'ERROR' : result.record.summary.outcome;
      const last: LastResult = {
        benchRunId,
        at: new Date().toISOString(),
        exitCode: result.exitCode,
        outcome,
        ...(result.failure ? { error: result.failure.message } : {}),
        ...(identity ? { identity: { model: identity.model, serialNumber: identity.serialNumber, firmware: identity.firmware } } : {}),
      };
      const health = await request.pool.recordEnding(device.name, endingOf(result.exitCode, last, result.failure));
      if (lease.lock.compromised) request.console.show(device.name, `warning: its lock was taken over while it ran (${lease.lock.compromised.message})`, true);
      return {
        ...base,
        outcome,
        exitCode: result.exitCode,
        status: result.record.status,
        runDir: relative(benchDir, result.runDir),
        summary: result.record.summary,
        ...(identity ? { identity: { model: identity.model, serialNumber: identity.serialNumber, firmware: identity.firmware } } : {}),
        cases: casesOf(result.record),
        ...(result.record.outages?.length ? { outages: result.record.outages.length } : {}),
        ...(result.failure ? { error: { code: result.failure.code, message: result.failure.message } } : {}),
        health: { state: health.state, reason: health.reason },
      };
    } finally {
      await lease.lock.release();
    }
  }

  request.console.end();
  const finishedAt = new Date();
  const ran = results.filter((r) => r.exitCode !== undefined);
  let exitCode = worstExitCode(ran.map((r) => r.exitCode!));
  // Every device skipped for its health: nothing was tested, which CI must not take for a pass.
  if (ran.length === 0 || ran.every((r) => r.skipped)) exitCode = worstExitCode([exitCode, ExitCode.deviceError]);
  // Devices ran, and not one case on any of them (suites none of these terminals can run): as
  // with one terminal, exit 2, not a pass.
  if (nothingRan(results)) exitCode = worstExitCode([exitCode, ExitCode.invalidInput]);
  if (request.signal.aborted) exitCode = ExitCode.interrupted;
  const summary: BenchSummary = {
    kind: BENCH_RECORD_KIND,
    schemaVersion: BENCH_RECORD_VERSION,
    benchRunId,
    bench: { name: request.bench.name, file: request.bench.file, sha256: request.bench.sha256 },
    selection: request.selection,
    mode: request.spread ? 'spread' : 'fleet',
    host: hostname(),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    exitCode,
    devices: results,
  };
  writeFileSync(join(benchDir, 'record.json'), JSON.stringify(summary, null, 2) + '\n');
  if (request.benchReports !== false) {
    linkLatest(request.outDir, benchRunId);
    const ordered = work.flatMap((w) => records.filter((r) => r.device === w.device.name));
    if (request.junit) writeFileSync(join(benchDir, 'junit.xml'), renderBenchJunit(ordered));
    if (request.html) writeFileSync(join(benchDir, 'index.html'), renderBenchHtml(summary));
  }
  return { summary, benchDir, exitCode };
}

/** Fleet: every device runs every selected case. Spread: the cases are dealt out among the devices. */
function planWork(request: BenchRunRequest): DeviceWork[] {
  if (!request.spread) return request.devices.map(({ device, inputs }) => ({ device, inputs, cases: request.cases }));
  checkInterchangeable(request.devices.map(({ device }) => ({ name: device.name, protocol: device.profile.protocol, capabilities: device.profile.capabilities })));
  const first = request.devices[0]!.inputs;
  const ids = first.suites.flatMap((s) => selectCases(s, request.cases).map((c) => `${s.id}/${c.id}`));
  const hands = dealCases(ids, request.devices.map((d) => d.device.name));
  return request.devices.map(({ device, inputs }) => {
    const hand = hands.get(device.name) ?? [];
    // A device dealt nothing selects nothing, and is reported as not run.
    return { device, inputs, cases: { ...request.cases, only: new Set(hand) } };
  });
}

function selectCount(item: DeviceWork): number {
  return item.inputs.suites.reduce((n, s) => n + selectCases(s, item.cases).length, 0);
}

function deviceReporters(dir: string, device: string, request: BenchRunRequest): Reporter[] {
  const list: Reporter[] = [];
  if (request.junit) list.push(junitReporter(join(dir, 'junit.xml')));
  if (request.html) list.push(htmlReporter(join(dir, 'report.html')));
  list.push(deviceLineReporter(device, request.console));
  if (request.reporters) list.push(...request.reporters(device));
  return list;
}

function endingOf(exitCode: number, result: LastResult, failure: PoshilError | undefined): RunEnding {
  if (exitCode === ExitCode.interrupted) return { kind: 'interrupted', result };
  if (exitCode === ExitCode.deviceError) return { kind: 'device-failure', result, reason: failure?.message ?? 'device error' };
  return { kind: 'answered', result };
}

function healthOf(pool: DevicePool, name: string): DeviceRunSummary['health'] {
  const health = pool.health(name);
  return { state: health.state, reason: health.reason };
}

function asPoshilError(error: unknown): PoshilError {
  return error instanceof PoshilError ? error : new PoshilError('E_INTERNAL', `internal error: ${errorMessage(error)}`, ExitCode.deviceError);
}

/** A counting gate: enter() waits for a free place and gives back the function that leaves (once). */
class StartGate {
  private inside = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly places: number) {}

  async enter(signal: AbortSignal): Promise<() => void> {
    if (this.inside >= this.places && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.waiting.push(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
    this.inside++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inside--;
      this.waiting.shift()?.();
    };
  }
}

/** Runs fn over items with at most `limit` at once; results keep the items' order. */
async function eachLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** Devices ran their cases, and every case on every one of them was skipped. */
export function nothingRan(results: readonly { outcome: string; skipped?: string }[]): boolean {
  const tested = results.filter((r) => r.outcome !== 'NOT-RUN');
  return tested.length > 0 && tested.every((r) => r.outcome === 'SKIPPED');
}
