/**
 * Errors that poshil reports to its user. Each carries a stable code, the exit code the CLI
 * ends with, and the context a user needs to act: the file, the JSON pointer or line, the
 * device address, the state it was in, and a hint for the next step.
 */
import { consoleText } from './console-text.js';

/** Exit codes that scripts can trust (documented in docs/cli.md). */
export const ExitCode = {
  ok: 0,
  caseFailed: 1,
  invalidInput: 2,
  deviceError: 3,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorContext {
  file?: string;
  /** JSON pointer into the file, e.g. `/cases/0/steps/2/do`. */
  pointer?: string;
  line?: number;
  column?: number;
  /** Transport address of the device, e.g. `tcp://127.0.0.1:20007` or `serial:/dev/ttyUSB0`. */
  device?: string;
  state?: string;
  /** What the user can do next. */
  hint?: string;
  /** Further problems of the same kind found with this one (other places in the same file). */
  also?: string[];
}

export class PoshilError extends Error {
  override readonly name: string = 'PoshilError';
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
    readonly context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Bad suite, profile, plan, record or command-line input. Exit code 2. */
export class InputError extends PoshilError {
  override readonly name = 'InputError';
  constructor(code: string, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(code, message, ExitCode.invalidInput, context, options);
  }
}

/** The device or the infrastructure around it (ports, child processes) failed. Exit code 3. */
export class DeviceError extends PoshilError {
  override readonly name = 'DeviceError';
  constructor(code: string, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(code, message, ExitCode.deviceError, context, options);
  }
}

/** One line per fact, no stack: what the CLI prints for a PoshilError. */
export function formatError(error: PoshilError): string {
  const { file, pointer, line, column, device, state, hint, also } = error.context;
  const where: string[] = [];
  if (file) where.push(line ? `${file}:${line}${column ? `:${column}` : ''}` : file);
  if (pointer !== undefined) where.push(`at ${pointer === '' ? '(document root)' : pointer}`);
  if (device) where.push(`device ${device}`);
  if (state) where.push(`in state ${state}`);
  const lines = [`poshil: ${error.message} [${error.code}]`];
  if (where.length > 0) lines.push(`  where: ${where.join(' ')}`);
  for (const more of also ?? []) lines.push(`  also:  ${more}`);
  if (hint) lines.push(`  hint:  ${hint}`);
  // A message may quote the terminal (its refusal, its identity): each line stays one line.
  return lines.map(consoleText).join('\n');
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
