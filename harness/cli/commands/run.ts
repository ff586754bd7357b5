import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { InputError, formatError } from '../../core/errors.js';
import { consoleText } from '../../core/console-text.js';
import { EXIT_CODES_HELP } from '../help.js';
import { packageRoot } from '../../core/paths.js';
import { LOG_LEVELS, type LogLevel } from '../../evidence/log-levels.js';
import { REPORTER_NAMES } from '../../reporters/choice.js';
import type { Plan } from '../../config/plan.js';
import type { PlanVerdict, RunRecord } from '../../core/record.js';
import type { CaseSelection } from '../../runner/run.js';
import { runControls, wholeNumber } from './option-values.js';
import { required } from './required.js';
import { addBenchRunOptions } from './run-bench-options.js';
import { SEGMENT_SIZE_HELP } from './segment-size.js';
import { COMMAND_SUMMARIES } from './summaries.js';

interface RunOptions {
  device?: string;
  panel?: boolean;
  panelPort?: string;
  grep?: string[];
  grepInvert?: string[];
  retries?: string;
  out?: string;
  junit?: string | false;
  html?: string | false;
  reporter?: string[];
  logLevel?: LogLevel;
  list?: boolean;
  bail?: boolean;
  maxFailures?: string;
  lastFailed?: boolean;
  timeout?: string;
  config?: string;
  segmentSize?: string;
  plan?: string;
}

const collect = (value: string, list: string[] = []) => [...list, value];

export function registerRun(program: Command): void {
  const run = program
    .command('run')
    .description(COMMAND_SUMMARIES.run.description)
    .argument('[suites...]', 'suite files (*.suite.yaml) or folders holding them; a file named twice runs once (default: the config\'s suites, else the bundled ones)')
    .option('-d, --device <profile>', 'device profile (JSON), e.g. devices/simulator.json (required here, in the config or as POSHIL_DEVICE)')
    .option('-p, --plan <file>', 'run a plan (*.plan.yaml) instead of suites: its cases and retries, judged by its requirements, thresholds and waivers (no certificate; poshil certify signs one)')
    .option('-g, --grep <regex>', 'run only the cases whose "suite/case" id or title matches; repeated, those that match any', collect)
    .option('--grep-invert <regex>', 'leave out the cases whose "suite/case" id or title matches; repeated, those that match any', collect)
    .option('--last-failed', 'run only the cases that did not pass in the last run under --out')
    .option('--list', 'list the cases that would run (ids and titles) and exit, without touching a terminal')
    .option('-r, --retries <n>', 'retry a case that did not pass up to n times; every attempt is kept (default 0)')
    .option('--bail', 'stop after the first case that does not pass (--max-failures 1)')
    .option('--max-failures <n>', 'stop after n cases did not pass; the rest are recorded as not run')
    .option('--timeout <ms>', 'time-out of a step that sets none (default: the profile\'s timeouts.step)')
    .option('-o, --out <dir>', 'folder for run directories (default reports/out)')
    .option('--reporter <name[=file]>', `how to report: ${REPORTER_NAMES.join(', ')}; several at once, comma-separated or repeated; name=file writes a file (default: list, with a live status line on a terminal)`, collect)
    .option('--junit <file>', 'write a copy of the JUnit XML here as well as RUNDIR/junit.xml')
    .option('--no-junit', 'do not write RUNDIR/junit.xml')
    .option('--html <file>', 'write a copy of the HTML report here as well as RUNDIR/report.html')
    .option('--no-html', 'do not write RUNDIR/report.html')
    .option('-c, --config <file>', 'configuration file (default: poshil.config.json or .yaml in this folder)')
    .addOption(new Option('--log-level <level>', 'level of RUNDIR/poshil.log (default info)').choices(LOG_LEVELS))
    .option('--segment-size <size>', SEGMENT_SIZE_HELP)
    .option('--panel', 'while the run goes, a read-only live view of it in a browser on 127.0.0.1 (docs/panel.md)')
    .option('--panel-port <n>', 'port of that view (default: a free one)')
    .addHelpText(
      'after',
      `
Each run writes a folder OUT/RUNID/ with record.json (and record.ndjson, written as the run goes),
transcript/ (every frame in and out, card data masked, in segments of --segment-size chained by
SHA-256), receipts/ (every printed receipt, decoded), poshil.log, junit.xml and report.html, and
points OUT/latest at it from its start (a run killed midway is still the one report --last reads).

Defaults come from poshil.config.json (or .yaml; schema harness/config/schemas/config.schema.json)
and from POSHIL_DEVICE, POSHIL_SUITES, POSHIL_OUT, POSHIL_RETRIES, POSHIL_REPORTER, POSHIL_TIMEOUT,
POSHIL_MAX_FAILURES and POSHIL_LOG_LEVEL; an option given here beats both.

Examples:
  $ poshil run --device devices/simulator.json
  $ poshil run --device devices/simulator-pty.json suites/smoke.suite.yaml
  $ poshil run -d devices/simulator.json --grep 'card-swipe/.*expired' --retries 2
  $ poshil run -d devices/simulator.json --list --grep-invert throughput
  $ poshil run -d devices/bench-terminal-usb.json --bail --junit results/junit.xml suites/
  $ poshil run -d devices/simulator.json --last-failed
  $ poshil run -d devices/simulator.json --plan suites/plans/daily-health.plan.yaml   the morning check before a store opens
  $ CI=true poshil run -d devices/simulator.json --reporter list,github   in GitHub Actions
  $ poshil run -d devices/simulator.json --reporter dot,json=results/record.json
  $ poshil run --bench devices/benches/simulators.bench.yaml --select protocol=bench --spread   a bench: docs/benches.md
  $ poshil run --bench devices/benches/simulators.bench.yaml --in-process-simulators suites/smoke.suite.yaml
${EXIT_CODES_HELP}
  With --plan: 0 when the plan's verdict is PASS, 1 when it is FAIL.
  With --bench: the worst over the devices that ran (130, then 3, 2, 1, 0); exit 3 when none could
  run; exit 2 when devices ran and every case on every one was skipped.`,
    );
  addBenchRunOptions(run).action(async (suiteArgs: string[], options: RunOptions & { bench?: string; inProcessSimulators?: boolean }) => {
      if (options.plan !== undefined && (options.bench !== undefined || suiteArgs.length > 0)) {
        throw new InputError('E_OPTION', `--plan runs the plan's own suites on one --device; leave out ${options.bench !== undefined ? '--bench' : `the suite files (${suiteArgs.join(' ')})`}`, { hint: 'poshil run --help shows the options and examples' });
      }
      if (options.bench !== undefined) return (await import('./run-bench.js')).runBenchCommand(suiteArgs, options);
      // Loaded here, not at start: `poshil --help` and the other commands never pay for it.
      const { runConfig } = await import('../../config/run-config.js');
      const { loadProfile } = await import('../../config/profile.js');
      const { prepareOutputFile, prepareOutputFolder } = await import('../../evidence/output-folder.js');
      const config = runConfig(options.config);
      const { retries, maxFailures, timeout, out, segmentBytes, cases, grepText } = runControls(options, config);
      const failed = options.lastFailed ? (await import('./run-selection.js')).lastFailed(out) : undefined;
      const only = failed?.only;
      const selection: CaseSelection = { ...cases, ...(only ? { only } : {}) };
      if (selection.only?.size === 0) {
        process.stdout.write(`the last run under ${out} had no case that did not pass; nothing to run\n`);
        return;
      }
      const { chooseReporters } = await import('./reporter-options.js');
      const reporterChoices = chooseReporters({ ...options, reporter: options.reporter ?? config.reporters ?? [] });
      const device = required(options.device ?? config.device, '-d, --device <profile>', 'run', 'give --device, set "device" in poshil.config.json, or set POSHIL_DEVICE');
      const profile = loadProfile(resolve(device));
      // The simulator takes about as long to start as the suites and the runner take to load:
      // started now, its start-up and poshil's overlap. An input error found below stops it.
      let early = !options.list && profile.simulator && !options.inProcessSimulators ? (prepareOutputFolder(out, '--out'), (await import('./early-simulator.js')).startEarly(profile.simulator, out)) : undefined;
      try {
        // Fetched together: the loader reads one module's files while it compiles another's.
        const runner = Promise.all([import('../../runner/execute-run.js'), import('./run-reporters.js')]);
        runner.catch(() => undefined);
        const [{ loadPlanInputs, loadRunInputs }, { selectCases }, { checkStimulusRoutes }] = await Promise.all([import('../../config/inputs.js'), import('../../runner/run.js'), import('../../runner/stimulus-routes.js')]);
        // --last-failed without suites runs the files the failures came from, not the default ones.
        const suites = suiteArgs.length > 0 ? suiteArgs : failed && failed.files.length > 0 ? failed.files : (config.suites ?? [join(packageRoot(), 'suites')]);
        const overrides = timeout ? { stepTimeoutMs: timeout } : {};
        const planInputs = options.plan !== undefined ? loadPlanInputs(profile, options.plan, overrides) : undefined;
        const inputs = planInputs ?? loadRunInputs(profile, suites, overrides);
        const planned = inputs.suites.reduce((n, s) => n + selectCases(s, selection).length, 0);
        for (const note of (await import('./capability-names.js')).unknownCapabilityNotes(inputs.suites, inputs.profile.capabilities)) process.stderr.write(`${note}\n`);
        if (only) {
          const left = (await import('./run-selection.js')).notLoaded(only, inputs.suites);
          if (left.length > 0) process.stderr.write(`--last-failed: ${left.length} case(s) that did not pass last time are in no suite given now, and do not run: ${left.slice(0, 10).join(', ')}${left.length > 10 ? ', …' : ''}\n`);
        }
        if (options.list) {
          const { listCases } = await import('./run-selection.js');
          process.stdout.write(listCases(inputs.suites, selection));
          return;
        }
        prepareOutputFolder(out, '--out');
        for (const choice of reporterChoices) if (choice.path) prepareOutputFile(resolve(choice.path), choice.name === 'junit' || choice.name === 'html' ? `--${choice.name}` : `--reporter ${choice.name}`);
        if (planned === 0) throw new InputError('E_NO_CASES', 'no case matches the selection (--grep, --grep-invert, --last-failed)', { hint: 'cases are matched as "suite/case" or by title, case-insensitively; --list shows what would run' });
        checkStimulusRoutes(inputs.profile, inputs.suites, selection);
        const [{ executeRun }, { buildReporters }] = await runner;
        const outputs: Record<string, string> = {};
        const panel = options.panel ? await (await import('../../panel/local.js')).LocalRunPanel.start(wholeNumber('--panel-port', options.panelPort, 0, 65535), (message) => process.stderr.write(`${message}\n`)) : undefined;
        if (panel) process.stderr.write(`live view of this run: ${panel.url} (until the run ends)\n`);
        const handedOver = early;
        early = undefined;
        const result = await executeRun({
          inputs,
          outDir: out,
          ...(handedOver ? { runId: handedOver.runId, simulator: handedOver.starting } : {}),
          ...(selection.grep ? { grep: selection.grep, grepText: grepText ?? selection.grep.source } : {}),
          ...(selection.grepInvert ? { grepInvert: selection.grepInvert } : {}),
          ...(selection.only ? { only: selection.only } : {}),
          ...(maxFailures !== undefined ? { maxFailures } : {}),
          // A plan's own retries apply unless --retries says otherwise.
          retries: planInputs && options.retries === undefined ? planInputs.plan.retries : retries,
          logLevel: options.logLevel ?? (config.logLevel as LogLevel | undefined) ?? 'info',
          handleSignals: true,
          ...(options.inProcessSimulators ? { launchSimulator: (await import('./in-process-simulator.js')).startInProcessSimulator } : {}),
          ...(segmentBytes ? { segmentBytes } : {}),
          reporters: (runDir) => [...buildReporters(reporterChoices, options, runDir, outputs), ...(panel ? [panel.reporter(runDir)] : [])],
          ...(panel ? { onReceipt: (receipt) => panel.receipt(receipt) } : {}),
          // Judged as poshil certify judges it: optional cases, waivers, thresholds and the terminal's firmware count.
          ...(planInputs ? { judge: await planJudge(planInputs.plan) } : {}),
        }).finally(() => panel?.close());
        if (result.failure) process.stderr.write(formatError(result.failure) + '\n');
        process.exitCode = result.exitCode;
        const { plan } = result.record;
        if (plan && !result.failure) {
          process.stdout.write(`\nplan ${consoleText(plan.id)} ${consoleText(plan.version)}: ${plan.met ? 'PASS' : 'FAIL'}\n`);
          for (const reason of plan.reasons) process.stdout.write(`  - ${consoleText(reason)}\n`);
          for (const w of plan.waived ?? []) process.stdout.write(`  - waived: ${consoleText(w.case)} (${consoleText(w.reason)}; ${consoleText(w.approver)}, until ${w.expires})\n`);
        }
      } finally {
        // Still ours only when the run did not start: stop it and leave no run folder behind.
        if (early) await early.abandon();
      }
    });
}

/** Loaded only for a plan run. */
async function planJudge(plan: Plan): Promise<(record: RunRecord) => PlanVerdict> {
  const { planVerdict } = await import('../../certify/verdict.js');
  return (record) => planVerdict(record, plan);
}
