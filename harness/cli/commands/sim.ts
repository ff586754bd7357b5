import type { Command } from 'commander';
import { formatError, InputError, PoshilError } from '../../core/errors.js';
import { DEFECTS, isDefect } from '../../../devices/simulator/defects.js';
import type { LinkSpec } from '../../../devices/simulator/server.js';
import type { ProcessOptions } from '../../../devices/simulator/main.js';
import { COMMAND_SUMMARIES } from './summaries.js';

export interface SimOptions {
  tcp?: string;
  serial?: string;
  pty?: boolean;
  baud?: string;
  faults?: string;
  control?: string;
  seed: string;
  firmware?: string;
  cardTimeout?: string;
  logLevel: string;
  instance?: string;
  exitWithParent?: boolean;
  defect: string[];
  protocol: string;
  ecrProtocol?: string;
  hostTimeout: string;
  hostLatency?: string;
  bootMs?: string;
  portDir?: string;
}

function hostPort(value: string, option: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(value);
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new InputError('E_OPTION', `${option} must be HOST:PORT, not "${value}"`, { hint: 'e.g. 127.0.0.1:20007, or port 0 for a free port' });
  return { host: m[1]!, port };
}

/** `MIN-MAX` or a single `MS`, in milliseconds. */
function latencyRange(value: string): [number, number] {
  const m = /^(\d{1,6})(?:-(\d{1,6}))?$/.exec(value.trim());
  const min = Number(m?.[1]);
  const max = m?.[2] === undefined ? min : Number(m[2]);
  if (!m || max < min) throw new InputError('E_OPTION', `--host-latency must be MIN-MAX in milliseconds (MIN ≤ MAX), not "${value}"`, { hint: 'e.g. 15-60, or 0 for a host that answers at once' });
  return [min, max];
}

function whole(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InputError('E_OPTION', `${option} must be a whole number, not "${value}"`);
  return n;
}

export function registerSim(program: Command): void {
  defineSim(program.command('sim')).action(async (options: SimOptions) => {
    const { runSimulatorProcess } = await import('../../../devices/simulator/main.js');
    // A simulator that failed to start may hold a listener already: print why and end the process.
    await runSimulatorProcess(await simulatorOptions(options)).catch((error: unknown) => {
      if (!(error instanceof PoshilError)) throw error;
      process.stderr.write(formatError(error) + '\n');
      process.exit(error.exitCode);
    });
  });
}

/** The `sim` command's options; also parses a profile's simulator.args for a simulator poshil runs in its own process. */
export function defineSim(command: Command): Command {
  return command
    .description(COMMAND_SUMMARIES.sim.description)
    .option('--protocol <name>', 'ECR protocol on the link: bench, zvt, or ecr (with --ecr-protocol)', 'bench')
    .option('--ecr-protocol <file>', 'the vendor protocol description (*.ecr.yaml) to speak with --protocol ecr: docs/ecr-protocols.md')
    .option('--tcp <host:port>', 'listen for the ECR link on TCP (port 0: any free port)')
    .option('--serial <path>', 'speak on an existing serial tty')
    .option('--pty', 'make a pty and announce the tty a harness should open (/dev/pts/N on Linux)')
    .option('--baud <n>', 'line rate: opens --serial at it, and paces serial/pty output to it (8N1: baud/10 bytes/s)')
    .option('--faults <file>', 'fault plan (YAML/JSON) injected with the --seed generator: docs/simulator.md')
    .option('--control <host:port>', 'control channel address (default 127.0.0.1, free port)')
    .option('--seed <n>', 'seed for latencies, codes and serial number: the same seed replays the same run', '1')
    .option('--firmware <version>', 'firmware version to report', '1.4.2')
    .option('--card-timeout <ms>', 'how long a sale waits for a card or QR', '30000')
    .option('--host-timeout <ms>', 'how long the terminal waits for its host before reversing', '1500')
    .option('--host-latency <min-max>', 'the simulated host\'s latency per authorisation, ms (default 15-60; 0 answers at once)')
    .option('--defect <name>', `plant a firmware defect (repeatable): ${Object.keys(DEFECTS).join(', ')}`, (value: string, list: string[]) => [...list, value], [] as string[])
    .option('--boot-ms <ms>', 'how long a reboot, power cycle or upgrade keeps the terminal (and its link) away', '300')
    .option('--port-dir <dir>', 'publish the pty as a USB-serial port (made-up VID:PID 1209:0001, the terminal\'s serial number) in DIR, for POSHIL_PORT_DIR')
    .option('--log-level <level>', 'stderr log level (pino)', 'info')
    .option('--instance <name>', 'a name for this simulator in its logs')
    .option('--exit-with-parent', 'stop when stdin closes (used when poshil launches it)')
    .addHelpText(
      'after',
      `
When ready it prints one JSON line on stdout: {"event":"ready","link":"…","control":"…","pid":…};
then {"event":"link","link":null} when the link vanishes (reboot, power cycle, upgrade, unplug
fault) and {"event":"link","link":"…"} when it is back (a pty comes back at a new path).
Stop it with Ctrl-C or SIGTERM. Protocol: docs/bench-protocol.md; behaviour: docs/simulator.md.

Examples:
  $ poshil sim --tcp 127.0.0.1:20007
  $ poshil sim --pty --seed 42
  $ poshil sim --protocol zvt --tcp 127.0.0.1:20007
  $ poshil sim --protocol ecr --ecr-protocol devices/protocols/concert-v2.ecr.yaml --pty
  $ printf '{"id":1,"op":"identify"}\\n' | nc 127.0.0.1 20007`,
    );
}

/** The simulator's start options from the `sim` command line. */
export async function simulatorOptions(options: SimOptions): Promise<ProcessOptions> {
  // Loaded here, not at start: `poshil --help` and the other commands never pay for it.
  const { loadFaultPlan } = await import('../../../devices/simulator/faults.js');
  const { loadEcrProtocol } = await import('../../config/ecr-protocol.js');
  const chosen = [options.tcp, options.serial, options.pty].filter(Boolean).length;
  if (chosen !== 1) throw new InputError('E_OPTION', 'give exactly one of --tcp HOST:PORT, --serial PATH or --pty');
  const link: LinkSpec = options.tcp
    ? { kind: 'tcp', ...hostPort(options.tcp, '--tcp') }
    : options.serial
      ? { kind: 'serial', path: options.serial, baudRate: options.baud ? whole(options.baud, '--baud') : 115200 }
      : { kind: 'pty' };
  if (options.protocol !== 'bench' && options.protocol !== 'zvt' && options.protocol !== 'ecr') throw new InputError('E_OPTION', `--protocol must be bench, zvt or ecr, not "${options.protocol}"`);
  if ((options.protocol === 'ecr') !== (options.ecrProtocol !== undefined)) throw new InputError('E_OPTION', '--protocol ecr and --ecr-protocol FILE go together', { hint: 'e.g. --protocol ecr --ecr-protocol devices/protocols/concert-v2.ecr.yaml' });
  const ecrProtocol = options.ecrProtocol ? loadEcrProtocol(options.ecrProtocol) : undefined;
  for (const name of options.defect) {
    if (!isDefect(name)) throw new InputError('E_OPTION', `unknown --defect "${name}"`, { hint: `known defects: ${Object.keys(DEFECTS).join(', ')}` });
  }
  return {
    protocol: options.protocol,
    ...(ecrProtocol ? { ecrProtocol } : {}),
    defects: options.defect.filter(isDefect),
    ...(options.baud ? { paceBaud: whole(options.baud, '--baud') } : {}),
    ...(options.faults ? { faults: loadFaultPlan(options.faults), faultPlan: options.faults } : {}),
    hostTimeoutMs: whole(options.hostTimeout, '--host-timeout'),
    ...(options.hostLatency !== undefined ? { hostLatencyMs: latencyRange(options.hostLatency) } : {}),
    link,
    ...(options.control ? { control: hostPort(options.control, '--control') } : {}),
    seed: whole(options.seed, '--seed'),
    ...(options.firmware ? { firmware: options.firmware } : {}),
    cardTimeoutMs: whole(options.cardTimeout ?? '30000', '--card-timeout'),
    bootMs: whole(options.bootMs ?? '300', '--boot-ms'),
    ...(options.portDir ? { portDir: options.portDir } : {}),
    logLevel: options.logLevel,
    ...(options.instance ? { instance: options.instance } : {}),
    exitWithParent: options.exitWithParent === true,
  };
}
