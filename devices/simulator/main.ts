/**
 * The simulator as a process (`poshil sim`): starts, announces itself with one JSON line on
 * stdout (and, when its link moves or vanishes, a `link` line each time), logs NDJSON to stderr (card data masked), and stops cleanly on SIGTERM or SIGINT —
 * or when its parent's stdin pipe closes, so a harness that dies never leaves it behind.
 */
import type { Logger } from 'pino';
import { maskJsonValue } from '../formats/json-card-data.js';
import { publishPort, withdrawPort, type ListedPort } from '../transports/port-directory.js';
import { startSimulator, type StartOptions } from './server.js';

/** A made-up USB identity (as an FTDI-style adapter would show it), keyed by the terminal's serial number. */
export function simulatedUsbIdentity(model: string, serialNumber: string): Omit<ListedPort, 'path'> & { serialNumber: string } {
  return { manufacturer: 'poshil', vendorId: '1209', productId: '0001', serialNumber, byId: [`usb-poshil_${model}_${serialNumber}-if00`] };
}

export interface ProcessOptions extends StartOptions {
  logLevel?: string;
  instance?: string;
  exitWithParent?: boolean;
  /** Publish a pty or tty link as a USB-serial port with the terminal's serial number in this folder. */
  portDir?: string;
}

type LogLine = [level: 'info' | 'error', fields: object, message: string];

export async function runSimulatorProcess(options: ProcessOptions): Promise<void> {
  // pino (some 28 files) loads after the ready line unless events are to be logged from the
  // start: a harness that launched the simulator waits for that line before its first case.
  // Lines logged before then are held and written first.
  let logger: Logger | undefined;
  const held: LogLine[] = [];
  const startLogger = async () => {
    if (logger) return logger;
    const { pino } = await import('pino');
    logger = pino({ level: options.logLevel ?? 'info', base: { instance: options.instance ?? 'sim', pid: process.pid } }, pino.destination(2));
    for (const [level, fields, message] of held.splice(0)) logger[level](fields, message);
    return logger;
  };
  const log = (...line: LogLine) => (logger ? logger[line[0]](line[1], line[2]) : void held.push(line));
  const logsEvents = options.logLevel === 'debug' || options.logLevel === 'trace';
  if (logsEvents) await startLogger();
  // Every move of the link is announced: a harness that launched the simulator follows it there.
  const announce = (link: string | undefined) => process.stdout.write(JSON.stringify({ event: 'link', link: link ?? null }) + '\n');
  let publish = (_link: string | undefined) => undefined as void;
  const simulator = await startSimulator({
    ...options,
    onLinkChange: (link) => {
      log('info', { link: link ?? null }, link ? 'link back' : 'link gone');
      publish(link);
      announce(link);
    },
    onLinkError: (error) => log('error', { err: error }, 'the link could not be brought back'),
  });
  if (options.portDir) {
    const dir = options.portDir;
    const serialNumber = simulator.terminal.serialNumber;
    publish = (link) => {
      if (!link?.startsWith('serial:')) return withdrawPort(dir, serialNumber);
      publishPort(dir, { ...simulatedUsbIdentity(simulator.terminal.model, serialNumber), path: link.slice('serial:'.length) });
    };
    publish(simulator.link);
  }
  // Masking every event costs more than the sale itself: only when it is logged.
  if (logger?.isLevelEnabled('debug')) {
    const events = logger;
    simulator.terminal.onEvent((event, data) => events.debug({ event, data: maskJsonValue(data) }, 'event'));
  }
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    (await startLogger()).info({ why }, 'stopping');
    await simulator.stop();
    if (options.portDir) withdrawPort(options.portDir, simulator.terminal.serialNumber);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  if (options.exitWithParent) {
    process.stdin.on('end', () => void stop('parent gone'));
    process.stdin.on('close', () => void stop('parent gone'));
    process.stdin.resume();
  }
  process.stdout.write(JSON.stringify({ event: 'ready', link: simulator.link, control: simulator.control, pid: process.pid }) + '\n');
  (await startLogger()).info({ link: simulator.link, control: simulator.control }, 'ready');
}
