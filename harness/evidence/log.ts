/**
 * pino NDJSON logs for a run (`poshil.log`). Strings and objects pass through the card-data
 * mask before they are written, so a PAN or track that reaches a log call is still masked.
 */
import { pino, type Logger } from 'pino';
import { maskText, maskValue } from './mask.js';

import type { LogLevel } from './log-levels.js';

export { LOG_LEVELS, type LogLevel } from './log-levels.js';

export interface RunLogger {
  logger: Logger;
  /** For signal handlers: writes and fsyncs on the spot. */
  flushSync(): void;
  /** At the end of a run: the last lines written and the file closed, its fsync off the event loop. */
  end(): Promise<void>;
  /** Why the log could not be written, if it could not (a full disk, its folder gone). */
  readonly failure: Error | undefined;
}

export function createRunLogger(path: string | undefined, level: LogLevel): RunLogger {
  if (!path) return { logger: pino({ level: 'silent' }), flushSync: () => undefined, end: async () => undefined, failure: undefined };
  // The folder is made with the file's asynchronous open (mkdir: true), not on the event loop.
  const destination = pino.destination({ dest: path, sync: false, mkdir: true, minLength: 0 });
  // pino passes on every error but a closed pipe; unheard, it would end the process.
  let failure: Error | undefined;
  destination.on('error', (error: Error) => void (failure ??= error));
  const logger = pino(
    {
      level,
      base: { pid: process.pid },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === 'string' ? maskText(a) : maskValue(a)));
          method.apply(this, masked as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
  return {
    logger,
    get failure() {
      return failure;
    },
    flushSync: () => {
      try {
        destination.flushSync();
      } catch {
        // not opened yet: nothing to flush
      }
    },
    end: () =>
      new Promise<void>((resolve) => {
        destination.once('close', () => resolve());
        destination.once('error', () => resolve());
        destination.end();
      }),
  };
}
