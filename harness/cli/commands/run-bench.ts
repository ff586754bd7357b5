/**
 * `poshil run --bench FILE`: the hand-over to harness/bench. The run command only branches here
 * (loading this file only then); everything bench-specific lives in this file and below.
 */
import { setMaxListeners } from 'node:events';
import { resolve } from 'node:path';
import { ExitCode, InputError } from '../../core/errors.js';
import { loadBench } from '../../bench/bench-file.js';
import { runBench } from '../../bench/bench-run.js';
import { liveConsole, pipedConsole } from '../../bench/device-lines.js';
import { DevicePool, labDirectory } from '../../bench/pool/pool.js';
import { parseSelection, requireSelection } from '../../bench/select.js';
import { formatBenchSummary } from '../../bench/summary.js';
import { loadRunInputs, type RunInputs } from '../../config/inputs.js';
import { LOG_LEVELS, type LogLevel } from '../../evidence/log-levels.js';
import { selectCases } from '../../runner/run.js';
import type { BenchRunOptions } from './run-bench-options.js';
import { prepareOutputFolder } from '../../evidence/output-folder.js';

function whole(text: string, option: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new InputError('E_OPTION', `${option} must be a whole number from ${min} to ${max}, not "${text}"`);
  return value;
}

export async function runBenchCommand(suites: string[], options: BenchRunOptions): Promise<void> {
  if (options.device !== undefined) throw new InputError('E_OPTION', '--bench and --device do not go together', { hint: 'a bench file names each device and its profile; run one profile with --device alone' });
  const unsupported = (
    [
      ['--reporter', options.reporter],
      ['--grep-invert', options.grepInvert],
      ['--last-failed', options.lastFailed],
      ['--list', options.list],
      ['--bail', options.bail],
      ['--max-failures', options.maxFailures],
      ['--timeout', options.timeout],
      ['--config', options.config],
      ['--segment-size', options.segmentSize],
    ] as const
  ).filter(([, value]) => value !== undefined && value !== false);
  if (unsupported.length > 0) {
    throw new InputError('E_OPTION', `${unsupported.map(([flag]) => flag).join(', ')} ${unsupported.length === 1 ? 'is' : 'are'} not supported with --bench yet`, { hint: 'a bench run takes --select, --spread, --workers, --lock-wait, --lab, --grep, --retries, --out, --no-junit, --no-html and --log-level (docs/benches.md)' });
  }
  const retries = whole(options.retries ?? '0', '--retries', 0, 100);
  const lockWaitMs = whole(options.lockWait ?? '0', '--lock-wait', 0, 24 * 3600_000);
  const logLevel = (options.logLevel ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new InputError('E_OPTION', `--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  for (const [option, value] of [['--junit', options.junit], ['--html', options.html]] as const) {
    if (typeof value === 'string') throw new InputError('E_OPTION', `${option} FILE is not used with --bench`, { hint: `a bench run writes one ${option.slice(2)} per device and a combined junit.xml in its folder; --no-${option.slice(2)} turns them off` });
  }
  let grep: RegExp | undefined;
  if (options.grep !== undefined) {
    try {
      grep = new RegExp(options.grep, 'i');
    } catch (error) {
      throw new InputError('E_OPTION', `--grep is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  const bench = loadBench(options.bench!);
  const selection = parseSelection(options.select);
  const chosen = requireSelection(bench.devices, selection, bench.file);
  const workers = options.workers === undefined ? chosen.length : whole(options.workers, '--workers', 1, 1024);
  // Suites are loaded once per profile file; each device then gets its own profile (its overrides).
  const loaded = new Map<string, RunInputs>();
  const devices = chosen.map((device) => {
    let inputs = loaded.get(device.profile.path);
    if (!inputs) loaded.set(device.profile.path, (inputs = loadRunInputs(device.profile, suites)));
    return { device, inputs: { ...inputs, profile: device.profile } };
  });
  const planned = devices[0]!.inputs.suites.reduce((n, s) => n + selectCases(s, grep ? { grep } : {}).length, 0);
  if (planned === 0) throw new InputError('E_NO_CASES', `no case matches --grep ${options.grep ?? ''}`, { hint: 'cases are matched as "suite/case", case-insensitively' });
  const outDir = resolve(options.out ?? 'reports/out');
  prepareOutputFolder(outDir, '--out');
  const pool = new DevicePool(bench, labDirectory(options.lab));
  // Read the state file before anything starts: a damaged one is exit 2 now, not one error per device.
  pool.state.read();

  const abort = new AbortController();
  // Every device's run listens to this one signal: many listeners are the design, not a leak.
  setMaxListeners(0, abort.signal);
  let interrupts = 0;
  const onSignal = (name: NodeJS.Signals) => {
    if (++interrupts > 1) process.exit(ExitCode.interrupted);
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
      ...(grep ? { grep, grepText: options.grep! } : {}),
      retries,
      logLevel,
      junit: options.junit !== false,
      html: options.html !== false,
      console: (process.stdout.isTTY ? liveConsole : pipedConsole)(devices.map((d) => d.device.name), process.stdout),
      signal: abort.signal,
    });
    process.stdout.write(formatBenchSummary(result.summary, `${resolve(result.benchDir, 'bench.json')}`));
    process.exitCode = result.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
