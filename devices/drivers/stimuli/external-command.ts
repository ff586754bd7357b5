/**
 * Stimuli through an external command: an instrument's own CLI (a magstripe emulator, a QR
 * display) or a relay script. `{name}` and `{args.KEY}` in the command's words are replaced by
 * the stimulus name and its arguments; the arguments also arrive as JSON on stdin.
 */
import type { CallOptions, StimulusDriver, StimulusReply } from '../terminal.js';

export interface ExternalCommandSpec {
  command: string[];
  cwd?: string;
}

export class ExternalCommand implements StimulusDriver {
  readonly kind = 'exec';

  constructor(private readonly commands: Readonly<Record<string, ExternalCommandSpec>>) {}

  async apply(stimulus: string, args: Record<string, unknown>, options: CallOptions): Promise<StimulusReply> {
    const spec = this.commands[stimulus];
    if (!spec || spec.command.length === 0) {
      return { ok: false, error: { code: 'NO_COMMAND', message: `the profile gives no command for stimulus "${stimulus}"` } };
    }
    const words = spec.command.map((word) => fill(word, stimulus, args));
    const [file, ...rest] = words as [string, ...string[]];
    const { execa } = await import('execa'); // loaded only when a stimulus runs a command
    const result = await execa(file, rest, {
      input: JSON.stringify(args),
      reject: false,
      timeout: options.timeoutMs,
      ...(options.signal ? { cancelSignal: options.signal } : {}),
      ...(spec.cwd ? { cwd: spec.cwd } : {}),
    });
    const output = { exitCode: result.exitCode ?? null, stdout: tail(result.stdout), stderr: tail(result.stderr) };
    if (result.failed) {
      const why = result.timedOut ? `timed out after ${options.timeoutMs} ms` : result.isCanceled ? 'was cancelled' : `exited with ${result.exitCode ?? result.signal ?? 'an error'}`;
      return { ok: false, error: { code: result.timedOut ? 'COMMAND_TIMEOUT' : 'COMMAND_FAILED', message: `${file} ${why}`, details: output } };
    }
    return { ok: true, result: output };
  }

  async close(): Promise<void> {}
}

function fill(word: string, stimulus: string, args: Record<string, unknown>): string {
  return word.replace(/\{(name|args\.[A-Za-z0-9_]+)\}/g, (_, key: string) => {
    if (key === 'name') return stimulus;
    const value = args[key.slice(5)];
    return value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  });
}

function tail(text: unknown): string {
  const s = typeof text === 'string' ? text : '';
  return s.length > 2000 ? '…' + s.slice(-2000) : s;
}
