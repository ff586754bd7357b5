/**
 * One run, start to end: run directory, journal, transcript and log; the simulator when the
 * profile launches one; the link and the terminal's identity; the cases; then teardown in
 * reverse order and the final record. Ctrl-C aborts the running step, marks the rest ABORTED
 * and still writes everything; a second Ctrl-C exits at once after flushing what is on disk.
 */
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ExitCode, PoshilError, errorMessage } from '../core/errors.js';
import { poshilVersion } from '../core/paths.js';
import { RECORD_SCHEMA_VERSION, type CaseRecord, type DeviceIdentity, type PlanVerdict, type RunHeader, type RunRecord } from '../core/record.js';
import type { RunInputs } from '../config/inputs.js';
import { Journal, writeRecordJson } from '../evidence/journal.js';
import { createRunLogger, type LogLevel } from '../evidence/log.js';
import { maskText, maskValue } from '../evidence/mask.js';
import { NdjsonFile } from '../evidence/ndjson-file.js';
import { ReceiptArchive, type PrintedReceipt } from '../evidence/receipts.js';
import { SegmentedNdjson } from '../evidence/segments.js';
import { Transcript } from '../evidence/transcript.js';
import { TRANSCRIPT_STREAM } from '../evidence/transcript-reader.js';
import type { TranscriptThread } from '../evidence/transcript-thread.js';
import { ReporterMultiplexer, type Reporter } from '../reporters/reporter.js';
import { checkHealth } from './health-check.js';
import { runSuites, selectCases, type CaseSelection } from './run.js';
import { createStimuli, terminalMaker } from './session.js';
import { ReconnectingTerminal, type LinkLocator } from './reconnecting-terminal.js';
import type { OperatorFactory } from '../../devices/drivers/stimuli/operator-prompt.js';
import { startSimulatorProcess, type RunningSimulator, type SimulatorLauncher } from './simulator-process.js';
import { linkLatest } from './latest-link.js';
import { newRunId } from './run-id.js';
import { Teardowns } from './tasks.js';

export interface RunRequest {
  inputs: RunInputs;
  outDir: string;
  /** The run directory itself, instead of OUTDIR/RUNID (a bench run names each device's folder). */
  runDir?: string;
  /** How a profile's simulator is started; default: as its own process. */
  launchSimulator?: SimulatorLauncher;
  /**
   * The profile's simulator, already starting (the run command starts it while the suites and
   * the runner load, so that its start-up and poshil's overlap). The run owns it from here on.
   */
  simulator?: Promise<RunningSimulator>;
  /** The run's id, when the caller named the run folder already (see `simulator`). */
  runId?: string;
  /** The bench run this run is one device of. */
  bench?: RunHeader['bench'];
  /** The lab job this run is. */
  lab?: RunHeader['lab'];
  grep?: RegExp;
  /** The --grep text as the user wrote it, for the record. */
  grepText?: string;
  grepInvert?: RegExp;
  /** Only these "suite/case" ids (--last-failed). */
  only?: ReadonlySet<string>;
  maxFailures?: number;
  retries: number;
  logLevel: LogLevel;
  /** Reporters for this run (console, JUnit, HTML…); given the run directory. */
  reporters: (runDir: string) => Reporter[];
  /** Process signals to handle; tests pass their own AbortSignal instead. */
  handleSignals?: boolean;
  signal?: AbortSignal;
  /**
   * Where to look for the terminal after its link dropped (a bench re-resolves a USB port by
   * identity). Default: where the launched simulator announces its link, else the profile's address.
   */
  locate?: LinkLocator;
  /** Masks and writes the transcript off this event loop (a bench of several devices); default: here. */
  transcripts?: TranscriptThread;
  /** Size at which the transcript and the receipts start a new segment (default 64 MiB). */
  segmentBytes?: number;
  /** Who answers operator stimuli; default: a prompt in this terminal. */
  operator?: OperatorFactory;
  /** Told of each receipt as it prints (decoded, masked): a live view shows it. */
  onReceipt?: (receipt: PrintedReceipt) => void;
  /** A plan's verdict on the ended run (not an interrupted one): recorded, and the run's exit code. */
  judge?: (record: RunRecord) => PlanVerdict;
}

export interface RunResult {
  record: RunRecord;
  runDir: string;
  exitCode: number;
  /** Why the run could not go on (device unreachable, simulator did not start). */
  failure?: PoshilError;
}

export { newRunId };

export async function executeRun(request: RunRequest): Promise<RunResult> {
  const { inputs } = request;
  const runId = request.runId ?? newRunId();
  const runDir = request.runDir ?? join(request.outDir, runId);
  // Made here, once, off the event loop (a bench starts dozens of runs at once): the evidence
  // files make their subfolders as they open, and the simulator's log is written into it at once.
  await mkdir(runDir, { recursive: true });
  const journalFile = new NdjsonFile(join(runDir, 'record.ndjson'));
  const transcriptFile = request.transcripts ? request.transcripts.file(runDir, TRANSCRIPT_STREAM, runId, request.segmentBytes) : new SegmentedNdjson(runDir, TRANSCRIPT_STREAM, runId, request.segmentBytes);
  const receipts = new ReceiptArchive(runDir, runId, request.segmentBytes, request.onReceipt);
  const runLog = createRunLogger(join(runDir, 'poshil.log'), request.logLevel);
  const { logger } = runLog;
  const journal = new Journal(journalFile);
  const transcript = new Transcript(transcriptFile);
  const reporters = new ReporterMultiplexer(request.reporters(runDir));
  const abort = new AbortController();
  const signal = request.signal ? AbortSignal.any([request.signal, abort.signal]) : abort.signal;
  const flushAll = () => {
    journalFile.flushSync();
    transcriptFile.flushSync();
    receipts.flushSync();
    runLog.flushSync();
  };

  let interrupts = 0;
  const onSignal = (name: NodeJS.Signals) => {
    interrupts++;
    logger.warn({ signal: name }, 'interrupted');
    if (interrupts > 1) {
      flushAll();
      process.exit(ExitCode.interrupted);
    }
    abort.abort(new Error(`interrupted by ${name}`));
  };
  if (request.handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  const profile = inputs.profile;
  const teardowns = new Teardowns();
  const start = performance.now();
  let failure: PoshilError | undefined;
  const fail = (error: unknown) => {
    failure = error instanceof PoshilError ? error : new PoshilError('E_INTERNAL', `internal error: ${errorMessage(error)}`, ExitCode.deviceError);
    // It may quote the terminal (what it answered instead of its identity): masked for the record and the console.
    failure.message = maskText(failure.message);
    logger.error({ code: failure.code, err: error }, 'run failed');
  };
  // The simulator starts before the header so that the header names the address it announced.
  let announced: RunningSimulator | undefined;
  const starting = request.simulator ?? (profile.simulator ? (request.launchSimulator ?? startSimulatorProcess)(profile.simulator.args, profile.simulator.readyTimeoutMs, join(runDir, 'simulator.log')) : undefined);
  if (starting) {
    try {
      const simulator = await starting;
      teardowns.add('simulator', () => simulator.stop());
      announced = simulator;
      transcript.note('runner', `simulator pid ${simulator.pid}${simulator.where ? ` (${simulator.where})` : ''} on ${simulator.link}, control ${simulator.control}`);
      logger.info({ pid: simulator.pid, link: simulator.link, control: simulator.control, ...(simulator.where ? { where: simulator.where } : {}) }, 'simulator ready');
    } catch (error) {
      if (!signal.aborted) fail(error);
    }
  }
  const planned = inputs.suites.reduce((n, s) => n + selectCases(s, request).length, 0);
  const header: RunHeader = {
    schemaVersion: RECORD_SCHEMA_VERSION,
    runId,
    tool: { name: 'poshil', version: poshilVersion(), node: process.version },
    host: hostname(),
    startedAt: new Date().toISOString(),
    options: {
      ...(request.grepText ? { grep: request.grepText } : {}),
      ...(request.grepInvert ? { grepInvert: request.grepInvert.source } : {}),
      ...(request.only ? { only: [...request.only] } : {}),
      ...(request.maxFailures !== undefined ? { maxFailures: request.maxFailures } : {}),
      retries: request.retries,
    },
    device: { profile: profile.file, name: profile.name, protocol: profile.protocol, address: describeAddress(profile, announced?.link), ...(profile.capabilities.length ? { capabilities: [...profile.capabilities] } : {}) },
    ...(request.bench ? { bench: request.bench } : {}),
    ...(request.lab ? { lab: request.lab } : {}),
    inputs: inputs.inputs,
    planned,
  };
  journal.append({ type: 'run.started', header });
  // Linked now and again at the end: a run killed midway is still the one `report --last` and
  // `--last-failed` find. A bench run links its own folder once all its devices are done.
  if (request.runDir === undefined) linkLatest(request.outDir, runId);
  reporters.onRunStart(header, planned);
  logger.info({ runId, profile: profile.file, suites: inputs.suites.map((s) => s.id), planned }, 'run started');

  try {
    if (failure) throw failure;
    const simulator = announced;
    const locate: LinkLocator =
      request.locate ?? (simulator ? async () => { const address = simulator.currentLink(); return address ? { address } : undefined; } : async () => ({}));
    const connect = await terminalMaker(profile, transcript);
    const terminal = new ReconnectingTerminal({
      connect,
      ...(announced ? { address: announced.link } : {}),
      locate,
      reconnectMs: profile.timeouts.reconnectMs,
      identifyMs: profile.timeouts.identifyMs,
      note: (text) => transcript.note('runner', text),
      // What a terminal says of itself is device-supplied text like any other: masked before it is kept or shown.
      onBack: (identity, address) => journal.append({ type: 'device.identified', identity: maskValue(identity), address }),
      onOutage: (outage) => {
        journal.append({ type: 'link.outage', outage: maskValue(outage) });
        const level = outage.backAt ? (outage.expected ? 'info' : 'warn') : 'error';
        logger[level]({ outage: { ...outage, identityBefore: undefined, identityAfter: undefined } }, outage.backAt ? 'terminal back after its link dropped' : 'terminal lost');
      },
    });
    teardowns.add('terminal', () => terminal.close());
    await terminal.open(signal);
    terminal.onAnomaly((text) => logger.warn({ anomaly: text }, 'protocol anomaly'));
    terminal.onEvent((event) => {
      if (event.name === 'printer.output') logger.debug({ receipt: receipts.add(event.data) }, 'receipt kept');
    });
    const asked = performance.now();
    const identity: DeviceIdentity = maskValue(await terminal.identify({ timeoutMs: profile.timeouts.identifyMs, signal }));
    const roundTripMs = performance.now() - asked;
    journal.append({ type: 'device.identified', identity, address: terminal.address });
    logger.info({ identity }, 'terminal identified');
    transcript.note('runner', checkHealth({ identity, roundTripMs }, profile.health, profile.file));
    const stimuli = createStimuli(profile, transcript, announced?.control, request.operator);
    teardowns.add('stimuli', () => stimuli.close());
    await runSuites(
      {
        suites: inputs.suites,
        ...(request.grep ? { grep: request.grep } : {}),
        ...(request.grepInvert ? { grepInvert: request.grepInvert } : {}),
        ...(request.only ? { only: request.only } : {}),
        ...(request.maxFailures !== undefined ? { maxFailures: request.maxFailures } : {}),
        retries: request.retries,
      },
      { terminal, stimuli, transcript, journal, reporters, signal, identity, capabilities: profile.capabilities, link: terminal, linkDropMs: profile.timeouts.linkDropMs },
    );
    // A terminal that never came back ends the run as an error: its cases did not all run.
    if (terminal.goneReason) throw terminal.goneReason;
    // A run may change what the terminal is (a firmware upgrade): the record names both.
    if (!signal.aborted) {
      const known = terminal.lastIdentity ? maskValue(terminal.lastIdentity) : identity;
      const final = await terminal.identify({ timeoutMs: profile.timeouts.identifyMs, signal }).then(maskValue, () => undefined);
      if (final && JSON.stringify(final) !== JSON.stringify(known)) journal.append({ type: 'device.identified', identity: final, address: terminal.address });
    }
  } catch (error) {
    // One run-level error, not an ERROR per case: the cases did not fail, the run could not go on.
    if (!signal.aborted && !failure) fail(error);
  } finally {
    await teardowns.runAll();
    for (const { name, error } of teardowns.failures) logger.warn({ teardown: name, err: errorMessage(error) }, 'teardown failed');
    if (request.handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }

  // Sealed before the reporters run: the HTML report reads the receipts, certify hashes every segment.
  await Promise.all([transcriptFile.end(), receipts.end()]);
  const status = signal.aborted ? 'interrupted' : failure ? 'error' : 'finished';
  if (signal.aborted) recordUnrun(journal, inputs, request, 'not run: the run was interrupted');
  journal.append({
    type: 'run.finished',
    status,
    finishedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - start),
    ...(failure ? { error: { code: failure.code, message: failure.message, ...(failure.context.hint ? { hint: failure.context.hint } : {}) } } : {}),
  });
  // Judged before the reports are written: a plan not met must not leave JUnit and the report green.
  // A waiver's reason or approver is typed by a person, like a title: masked before it is kept.
  if (request.judge && !signal.aborted) {
    try {
      journal.append({ type: 'plan.judged', plan: maskValue(request.judge(journal.record())) });
    } catch (error) {
      // The run's evidence is written whatever the judging did.
      if (!failure) fail(error);
    }
  }
  const record = journal.record();
  writeRecordJson(join(runDir, 'record.json'), record);
  // Again: a run that started later and ended sooner in the same folder took the link meanwhile.
  if (request.runDir === undefined) linkLatest(request.outDir, runId);
  await reporters.onRunEnd(record);
  for (const { reporter, hook, error } of reporters.failures) logger.error({ reporter, hook, err: errorMessage(error) }, 'reporter failed');
  // A report that was asked for and not written fails the run: a CI job must not pass on a missing junit.xml.
  if (!failure && reporters.failures.length > 0) {
    const what = reporters.failures.map(({ reporter, error }) => `${reporter}: ${errorMessage(error)}`).join('; ');
    failure = new PoshilError('E_OUTPUT', `could not write every output: ${what}`, ExitCode.deviceError);
  }
  logger.info({ summary: record.summary, status }, 'run finished');
  await Promise.all([runLog.end(), journalFile.end()]);
  // Evidence that could not be written fails the run as a missing report does.
  const lost = [journalFile, transcriptFile, receipts, runLog].map((file) => file.failure).find((error) => error !== undefined);
  if (!failure && lost) failure = new PoshilError('E_OUTPUT', `could not write the run's evidence: ${errorMessage(lost)}`, ExitCode.deviceError);

  // A run that ran nothing is no pass: a CI job must not go green on a terminal that could run
  // none of the cases it was given (each case's reason is in the record and above). A bench's
  // device is left to the bench: a fleet of several kinds may hold one that runs none of them.
  if (!failure && !signal.aborted && !request.bench && record.summary.outcome === 'SKIPPED') {
    failure = new PoshilError('E_NOTHING_RAN', `no case ran: all ${record.summary.total} selected case(s) were skipped on this terminal`, ExitCode.invalidInput, {
      hint: "run suites this terminal can run, or declare in the profile's capabilities what it can do",
    });
  }
  const exitCode = signal.aborted
    ? ExitCode.interrupted
    : failure
      ? failure.exitCode
      : record.plan
        ? record.plan.met
          ? ExitCode.ok
          : ExitCode.caseFailed
        : record.summary.outcome === 'PASS' || record.summary.outcome === 'SKIPPED'
        ? ExitCode.ok
        : ExitCode.caseFailed;
  return { record, runDir, exitCode, ...(failure ? { failure } : {}) };
}

/** Cases an interruption kept from running still appear in the record, as ABORTED. */
function recordUnrun(journal: Journal, inputs: RunInputs, selection: CaseSelection, reason: string): void {
  const current = journal.record();
  const done = new Set(current.suites.flatMap((s) => s.cases.map((c) => `${s.id}/${c.id}`)));
  for (const suite of inputs.suites) {
    const cases = selectCases(suite, selection).filter((c) => !done.has(`${suite.id}/${c.id}`));
    if (cases.length === 0) continue;
    if (!current.suites.some((s) => s.id === suite.id)) {
      journal.append({ type: 'suite.started', suite: { id: suite.id, ...(suite.title ? { title: suite.title } : {}), file: suite.file, sha256: suite.sha256 } });
    }
    for (const c of cases) {
      const record: CaseRecord = {
        id: c.id,
        ...(c.title ? { title: c.title } : {}),
        suite: suite.id,
        mandatory: c.mandatory,
        outcome: 'ABORTED',
        reason,
        startedAt: new Date().toISOString(),
        durationMs: 0,
        attempts: [],
      };
      journal.append({ type: 'case.finished', case: record });
    }
  }
}

/** The address the run will talk to: the one the simulator announced, or the profile's. */
function describeAddress(profile: RunInputs['profile'], announced: string | undefined): string {
  const t = profile.transport;
  if (announced) return announced;
  if (profile.simulator) return 'simulator (did not start)';
  return t.type === 'tcp' ? `tcp://${t.host}:${t.port}` : `serial:${t.path}`;
}
