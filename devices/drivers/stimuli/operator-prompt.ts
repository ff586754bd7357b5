/**
 * Stimuli done by a person at the bench: poshil shows the instruction and waits for Enter
 * (done) or `s` + Enter (could not do it). Without an interactive terminal there is nobody to
 * ask, so the stimulus is refused at once instead of hanging a CI job.
 */
import { createInterface } from 'node:readline';
import type { CallOptions, StimulusDriver, StimulusReply } from '../terminal.js';

export interface OperatorStreams {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
}

/** Makes the driver of a run's operator stimuli: a prompt in this terminal, or (a lab job) in the panel too. */
export type OperatorFactory = (prompts: Readonly<Record<string, string>>, note: (text: string) => void) => StimulusDriver;

/** The instruction a person sees: the profile's prompt with its {args.x} filled in, or a prompt step's own text. */
export function promptText(prompts: Readonly<Record<string, string>>, stimulus: string, args: Record<string, unknown>): string {
  const template = prompts[stimulus] ?? (stimulus === 'prompt' && typeof args['text'] === 'string' ? args['text'] : `Apply stimulus "${stimulus}"`);
  return template.replace(/\{args\.([A-Za-z0-9_]+)\}/g, (_, key: string) => String(args[key] ?? ''));
}

export class OperatorPrompt implements StimulusDriver {
  readonly kind = 'operator';

  constructor(
    private readonly prompts: Readonly<Record<string, string>>,
    private readonly streams: OperatorStreams = { input: process.stdin, output: process.stderr },
  ) {}

  async apply(stimulus: string, args: Record<string, unknown>, options: CallOptions): Promise<StimulusReply> {
    if (!this.streams.input.isTTY) {
      return { ok: false, error: { code: 'NO_OPERATOR', message: `stimulus "${stimulus}" needs an operator, and stdin is not a terminal` } };
    }
    const text = promptText(this.prompts, stimulus, args);
    const rl = createInterface({ input: this.streams.input, output: this.streams.output });
    try {
      const answer = await new Promise<string | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), options.timeoutMs);
        options.signal?.addEventListener('abort', () => resolve(undefined), { once: true });
        rl.question(`\n  OPERATOR: ${text}\n  Press Enter when done, or type s and Enter if you cannot: `, (line) => {
          clearTimeout(timer);
          resolve(line);
        });
      });
      if (answer === undefined) return { ok: false, error: { code: 'NO_ANSWER', message: 'the operator did not answer in time' } };
      if (answer.trim().toLowerCase() === 's') return { ok: false, error: { code: 'OPERATOR_DECLINED', message: 'the operator could not do it' } };
      return { ok: true, result: { confirmedBy: 'operator' } };
    } finally {
      rl.close();
    }
  }

  async close(): Promise<void> {}
}
