/**
 * `poshil bench status|release|hold`: what the lab knows about each device of a bench (identity,
 * port, lock holder, health, last result) and the person's side of health: bringing a
 * quarantined device back, taking one out for maintenance.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { consoleText } from '../../core/console-text.js';
import type { DevicePool, DeviceStatus } from '../../bench/pool/pool.js';
import { COMMAND_SUMMARIES } from './summaries.js';

interface LabOptions {
  lab?: string;
  json?: boolean;
}

/** Loaded when a bench command runs, not at start: `poshil --help` and the other commands never pay for it. */
async function poolOf(file: string, lab: string | undefined): Promise<{ pool: DevicePool; name: string }> {
  const { loadBench } = await import('../../bench/bench-file.js');
  const { DevicePool, labDirectory } = await import('../../bench/pool/pool.js');
  const bench = loadBench(file);
  return { pool: new DevicePool(bench, labDirectory(lab)), name: bench.name };
}

export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    .description(COMMAND_SUMMARIES.bench.description)
    .addHelpText(
      'after',
      `
Examples:
  $ poshil bench status devices/benches/simulators.bench.yaml
  $ poshil bench hold devices/benches/lab-example.bench.yaml counter-3 --reason "printer head replaced"
  $ poshil bench release devices/benches/lab-example.bench.yaml counter-3

To run suites on a bench: poshil run --bench FILE (poshil run --help).`,
    );
  bench
    .command('status')
    .description('Each device of the bench: labels, port, lock holder, health and its reason, last result.')
    .argument('<file>', 'bench file (*.bench.yaml)')
    .option('--lab <dir>', 'lab folder (default: $POSHIL_LAB_DIR or .poshil)')
    .option('--json', 'print JSON instead of a table')
    .action(async (file: string, options: LabOptions) => {
      const { pool, name } = await poolOf(file, options.lab);
      const status = await pool.status();
      process.stdout.write(options.json ? JSON.stringify(status.map(asJson), null, 2) + '\n' : formatStatus(name, status));
    });
  bench
    .command('release')
    .description('Bring a quarantined device (or one in maintenance) back to good, so that runs use it again.')
    .argument('<file>', 'bench file (*.bench.yaml)')
    .argument('<device>', 'device name in the bench file')
    .option('--lab <dir>', 'lab folder (default: $POSHIL_LAB_DIR or .poshil)')
    .action(async (file: string, device: string, options: LabOptions) => {
      const { pool } = await poolOf(file, options.lab);
      const health = await pool.release(device, userInfo().username);
      process.stdout.write(`${device}: ${health.state} — ${health.reason}\n`);
    });
  bench
    .command('hold')
    .description('Take a device out of service (maintenance) with a reason; runs skip it until it is released.')
    .argument('<file>', 'bench file (*.bench.yaml)')
    .argument('<device>', 'device name in the bench file')
    .requiredOption('--reason <text>', 'why, for whoever reads bench status')
    .option('--lab <dir>', 'lab folder (default: $POSHIL_LAB_DIR or .poshil)')
    .action(async (file: string, device: string, options: LabOptions & { reason: string }) => {
      const { pool } = await poolOf(file, options.lab);
      const health = await pool.hold(device, `${options.reason} (${userInfo().username})`);
      process.stdout.write(`${device}: ${health.state} — ${health.reason}\n`);
    });
}

function asJson({ device, health, lock }: DeviceStatus) {
  return { device: device.name, labels: device.labels, address: device.address, lockKey: device.lockKey, lock, health };
}

function formatStatus(bench: string, status: readonly DeviceStatus[]): string {
  const lines = [`bench ${bench}: ${status.length} device${status.length === 1 ? '' : 's'}`];
  for (const { device, health, lock } of status) {
    const { name: _name, protocol, transport, ...own } = device.labels;
    lines.push(`\n${device.name}  ${health.state.toUpperCase()}  ${health.reason}${health.state === 'good' ? '' : ` (since ${health.since})`}`);
    lines.push(`  labels    ${Object.entries(own).map(([k, v]) => `${k}=${v}`).join(' ') || '(none)'}  protocol=${protocol} transport=${transport}`);
    lines.push(`  port      ${device.address}`);
    const identity = health.lastResult?.identity;
    lines.push(`  identity  ${identity ? consoleText(`${identity.model} s/n ${identity.serialNumber} firmware ${identity.firmware}`) + ' (at its last run)' : 'not seen yet'}`);
    const holder = lock.holder ? `pid ${lock.holder.pid} on ${lock.holder.host}, run ${lock.holder.runId}, since ${lock.holder.since}` : 'unknown holder';
    lines.push(`  lock      ${lock.held ? `held by ${holder}${lock.holderGone ? ' — that process is gone: the next run takes it over' : ''}` : 'free'}`);
    const last = health.lastResult;
    lines.push(`  last run  ${last ? `${last.outcome} (exit ${last.exitCode}) at ${last.at}, bench run ${last.benchRunId}${last.error ? ` — ${last.error}` : ''}` : 'none yet'}`);
    if (health.consecutiveFailures > 0) lines.push(`  failures  ${health.consecutiveFailures} device error${health.consecutiveFailures === 1 ? '' : 's'} in a row`);
  }
  return lines.join('\n') + '\n';
}
