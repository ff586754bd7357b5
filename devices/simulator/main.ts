/**
 * The simulator as a process (`poshil sim`): starts, announces itself with one JSON line on
 * stdout, logs NDJSON to stderr (card data masked), and stops cleanly on SIGTERM or SIGINT —
 * or when its parent's stdin pipe closes, so a harness that dies never leaves it behind.
 */
import { pino } from 'pino';
import { maskJsonValue } from '../formats/json-card-data.js';
import { startSimulator, type StartOptions } from './server.js';

export interface ProcessOptions extends StartOptions {
  logLevel?: string;
  instance?: string;
  exitWithParent?: boolean;
}

export async function runSimulatorProcess(options: ProcessOptions): Promise<void> {
  const logger = pino({ level: options.logLevel ?? 'info', base: { instance: options.instance ?? 'sim', pid: process.pid } }, pino.destination(2));
  const simulator = await startSimulator(options);
  // Masking every event costs more than the sale itself: only when it is logged.
  if (logger.isLevelEnabled('debug')) simulator.terminal.onEvent((event, data) => logger.debug({ event, data: maskJsonValue(data) }, 'event'));
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, 'stopping');
    await simulator.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  if (options.exitWithParent) {
    process.stdin.on('end', () => void stop('parent gone'));
    process.stdin.on('close', () => void stop('parent gone'));
    process.stdin.resume();
  }
  logger.info({ link: simulator.link, control: simulator.control }, 'ready');
  process.stdout.write(JSON.stringify({ event: 'ready', link: simulator.link, control: simulator.control, pid: process.pid }) + '\n');
}
