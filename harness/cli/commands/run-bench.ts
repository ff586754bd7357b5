/**
 * `poshil run --bench FILE`: the hand-over to harness/bench. The run command only branches here
 * (loading this file only then); everything bench-specific lives in this file and below.
 */
import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { ExitCode, InputError } from '../../core/errors.js';
import { loadBench } from '../../bench/bench-file.js';
import { nothingRan, runBench } from '../../bench/bench-run.js';
import { directoryPorts } from '../../bench/port-match.js';
import { PORT_DIR_ENV } from '../../../devices/transports/port-directory.js';
import { liveConsole, pipedConsole } from '../../bench/device-lines.js';
import { DevicePool, labDirectory } from '../../bench/pool/pool.js';
import { parseSelection, requireSelection } from '../../bench/select.js';
import { formatBenchSummary } from '../../bench/summary.js';
import { loadRunInputs, type RunInputs } from '../../config/inputs.js';
import { LOG_LEVELS, type LogLevel } from '../../evidence/log-levels.js';
import { selectCases, type CaseSelection } from '../../runner/run.js';
import { checkStimulusRoutes } from '../../runner/stimulus-routes.js';
import { LATEST } from '../../runner/latest-link.js';
import { runConfig } from '../../config/run-config.js';
import { packageRoot } from '../../core/paths.js';
import { isBenchRecord, readBenchRecord } from '../../bench/bench-record.js';
import { listCases } from './run-selection.js';
import { runControls, wholeNumber } from './option-values.js';
import type { BenchRunOptions } from './run-bench-options.js';
import { prepareOutputFolder } from '../../evidence/output-folder.js';

/**
 * --last-failed after a bench run: every case that did not pass on some device of OUT/latest runs
 * again (on every selected device, or dealt out with --spread).
 */
function lastFailedOnBench(outDir: string): Set<string> {
  const record = join(outDir, LATEST, 'record.json');
  if (!isBenchRecord(record)) {
    throw new InputError('E_NO_RUN', `--last-failed: no bench run under ${outDir}`, { file: join(outDir, LATEST), hint: 'run the bench once without --last-failed first, or give the --out of that run' });
  }
  const { summary } = readBenchRecord(record);
  return new Set(summary.devices.flatMap((d) => d.cases.filter((c) => c.outcome !== 'PASS' && c.outcome !== 'SKIPPED').map((c) => `${c.suite}/${c.id}`)));
}

export async function runBenchCommand(suiteArgs: string[], options: BenchRunOptions): Promise<void> {
  if (options.device !== undefined) throw new InputError('E_OPTION', '--bench and --device do not go together', { hint: 'a bench file names each device and its profile; run one profile with --device alone' });
  if (options.reporter !== undefined) {
    throw new InputError('E_OPTION', '--reporter is not supported with --bench', { hint: 'a bench run keeps one status line per device (a line per case when piped) and writes junit.xml and index.html over every device (docs/benches.md)' });
  }
  for (const [option, value] of [['--junit', options.junit], ['--html', options.html]] as const) {
    if (typeof value === 'string') throw new InputError('E_OPTION', `${option} FILE is not used with --bench`, { hint: `a bench run writes one ${option.slice(2)} per device and a combined one in its folder; --no-${option.slice(2)} turns them off` });
  }
  // The same defaults as a single run: the command line over POSHIL_* over poshil.config (its device and reporters aside).
  const config = runConfig(options.config);
  const { retries, maxFailures, timeout, out: outDir, segmentBytes, cases: chosenCases, grepText } = runControls(options, config);
  const lockWaitMs = wholeNumber('--lock-wait', options.lockWait, 0, 24 * 3600_000);
  const logLevel = (options.logLevel ?? config.logLevel ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new InputError('E_OPTION', `--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const only = options.lastFailed ? lastFailedOnBench(outDir) : undefined;
  const cases: CaseSelection = { ...chosenCases, ...(only ? { only } : {}) };
  if (only?.size === 0) {
    process.stdout.write(`the last bench run under ${outDir} had no case that did not pass; nothing to run\n`);
    return;
  }
  const suites = suiteArgs.length > 0 ? suiteArgs : (config.suites ?? [join(packageRoot(), 'suites')]);
  const bench = loadBench(options.bench!);
  const selection = parseSelection(options.select);
  const chosen = requireSelection(bench.devices, selection, bench.file);
  const workers = wholeNumber('--workers', options.workers, chosen.length, 1024, 1);
  // Several simulators get a thread of their own, started now to boot while the suites load.
  const simulatorThread = options.inProcessSimulators && !options.list && chosen.filter((d) => d.profile.simulator).length > 1 ? (await import('./simulator-thread.js')).simulatorThread() : undefined;
  // Suites are loaded once per profile file; each device then gets its own profile (its overrides).
  const loaded = new Map<string, RunInputs>();
  const devices = chosen.map((device) => {
    let inputs = loaded.get(device.profile.path);
    if (!inputs) loaded.set(device.profile.path, (inputs = loadRunInputs(device.profile, suites, timeout ? { stepTimeoutMs: timeout } : {})));
    const profile = timeout ? { ...device.profile, timeouts: { ...device.profile.timeouts, stepMs: timeout } } : device.profile;
    return { device, inputs: { ...inputs, profile } };
  });
  const first = devices[0]!.inputs.suites;
  if (options.list) {
    process.stdout.write(`${listCases(first, cases)}on ${chosen.length} device${chosen.length === 1 ? '' : 's'}: ${chosen.map((d) => d.name).join(', ')}${options.spread ? ' (shared among them)' : ' (each)'}\n`);
    return;
  }
  const planned = first.reduce((n, s) => n + selectCases(s, cases).length, 0);
  if (planned === 0) throw new InputError('E_NO_CASES', 'no case matches the selection (--grep, --grep-invert, --last-failed)', { hint: 'cases are matched as "suite/case", case-insensitively; --list shows what would run' });
  for (const { inputs } of devices) checkStimulusRoutes(inputs.profile, inputs.suites, cases);
  prepareOutputFolder(outDir, '--out');
  const labDir = labDirectory(options.lab);
  prepareOutputFolder(labDir, options.lab !== undefined ? '--lab' : process.env['POSHIL_LAB_DIR'] ? 'POSHIL_LAB_DIR' : 'the lab folder (--lab, default .poshil)');
  const pool = new DevicePool(bench, labDir);
  // Read the state file before anything starts: a damaged one is exit 2 now, not one error per device.
  pool.state.read();

  // Several devices' transcripts are masked and written on a thread: their exchanges share this loop.
  const transcripts = devices.length > 1 ? new (await import('../../evidence/transcript-thread.js')).TranscriptThread() : undefined;

  const abort = new AbortController();
  // Every device's run listens to this one signal: many listeners are the design, not a leak.
  setMaxListeners(0, abort.signal);
  let interrupts = 0;
  const onSignal = (name: NodeJS.Signals) => {
    if (++interrupts > 1) {
      transcripts?.flushSync();
      process.exit(ExitCode.interrupted);
    }
    process.stderr.write(`\nposhil: ${name}: stopping every device (again to quit at once)\n`);
    abort.abort(new Error(`interrupted by ${name}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await runBench({
      bench,
      devices,
      pool,
      selection: selection.text,
      spread: options.spread === true,
      workers,
      outDir,
      lockWaitMs,
      // Simulators in this process start in milliseconds: more may start at once than when each boots Node.
      ...(options.inProcessSimulators ? { launchSimulator: simulatorThread ?? (await import('./in-process-simulator.js')).startInProcessSimulator, startsAtOnce: availableParallelism() * 8 } : {}),
      cases,
      ...(segmentBytes ? { segmentBytes } : {}),
      ...(transcripts ? { transcripts } : {}),
      ...(grepText !== undefined ? { grepText } : {}),
      ...(maxFailures !== undefined ? { maxFailures } : {}),
      retries,
      logLevel,
      junit: options.junit !== false,
      html: options.html !== false,
      console: (process.stdout.isTTY ? liveConsole : pipedConsole)(devices.map((d) => d.device.name), process.stdout),
      signal: abort.signal,
      // Simulated USB-serial terminals publish their ptys in a folder instead of udev's list.
      ...(process.env[PORT_DIR_ENV] ? { portLister: directoryPorts(process.env[PORT_DIR_ENV]) } : {}),
    });
    process.stdout.write(formatBenchSummary(result.summary, `${resolve(result.benchDir, 'record.json')}`));
    if (nothingRan(result.summary.devices)) process.stderr.write('poshil: no case ran: every selected case was skipped on every device [E_NOTHING_RAN]\n  hint:  run suites these terminals can run, or declare in their profiles\' capabilities what they can do\n');
    process.exitCode = result.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
