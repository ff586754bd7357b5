/**
 * Operator prompts of lab jobs. The worker writes the prompt to `lab.prompts`, where the panel
 * shows it to the people at that bench; when the worker's own stdin is a terminal it asks there
 * too. The first answer wins and the database says which (panel or terminal, who, when); the
 * other side sees the prompt answered. No answer by the step's time-out is NO_ANSWER, as with a
 * prompt in the terminal alone.
 */
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type pg from 'pg';
import { OperatorPrompt, promptText, type OperatorFactory, type OperatorStreams } from '../../../devices/drivers/stimuli/operator-prompt.js';
import type { CallOptions, StimulusDriver, StimulusReply } from '../../../devices/drivers/terminal.js';

interface Answer {
  answer: 'done' | 'declined' | 'expired';
  note: string | null;
  answered_by: string | null;
  answered_via: 'panel' | 'terminal' | 'timeout' | null;
  answered_at: Date | null;
}

/** Open prompts of one worker, woken by the panel's NOTIFY (and looked at each second besides). */
export class LabPrompts {
  private readonly waiting = new Map<string, () => void>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly workerId: string,
    /** The worker's own terminal, asked too when it is one. */
    readonly streams: OperatorStreams = { input: process.stdin, output: process.stderr },
  ) {}

  /** A NOTIFY on PROMPT_ANSWERED (channels.ts): the payload is the prompt's id. */
  noticed(id: string | undefined): void {
    if (id) this.waiting.get(id)?.();
  }

  factory(runId: string, deviceId: string): OperatorFactory {
    return (prompts, note) => new LabPrompt(this, runId, deviceId, prompts, note);
  }

  async ask(row: { id: string; runId: string; deviceId: string; stimulus: string; text: string; timeoutMs: number }): Promise<void> {
    await this.pool.query(
      "INSERT INTO lab.prompts (id, run_id, device_id, worker_id, stimulus, text, deadline) VALUES ($1, $2, $3, $4, $5, $6, now() + $7 * interval '1 millisecond')",
      [row.id, row.runId, row.deviceId, this.workerId, row.stimulus, row.text, row.timeoutMs],
    );
  }

  async read(id: string): Promise<Answer | undefined> {
    const { rows } = await this.pool.query<Answer>('SELECT answer, note, answered_by, answered_via, answered_at FROM lab.prompts WHERE id = $1 AND answer IS NOT NULL', [id]);
    return rows[0];
  }

  /** The panel's answer, or undefined once `signal` aborts. */
  async panelAnswer(id: string, signal: AbortSignal): Promise<Answer | undefined> {
    while (!signal.aborted) {
      const found = await this.read(id).catch(() => undefined);
      if (found) return found;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 1_000);
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        this.waiting.set(id, done);
        signal.addEventListener('abort', done, { once: true });
      });
      this.waiting.delete(id);
    }
    return undefined;
  }

  /** Answers from this side (terminal, time-out) unless the panel was first; returns the answer that stands. */
  async settle(id: string, answer: Answer['answer'], via: 'terminal' | 'timeout', by: string | null): Promise<Answer> {
    const { rows } = await this.pool.query<Answer>(
      'UPDATE lab.prompts SET answer = $2, answered_via = $3, answered_by = $4, answered_at = now() WHERE id = $1 AND answer IS NULL RETURNING answer, note, answered_by, answered_via, answered_at',
      [id, answer, via, by],
    );
    return rows[0] ?? (await this.read(id)) ?? { answer, note: null, answered_by: by, answered_via: via, answered_at: new Date() };
  }

  hasTerminal(): boolean {
    return this.streams.input.isTTY === true;
  }
}

class LabPrompt implements StimulusDriver {
  readonly kind = 'operator';

  constructor(
    private readonly prompts: LabPrompts,
    private readonly runId: string,
    private readonly deviceId: string,
    private readonly texts: Readonly<Record<string, string>>,
    private readonly note: (text: string) => void,
  ) {}

  async apply(stimulus: string, args: Record<string, unknown>, options: CallOptions): Promise<StimulusReply> {
    const id = randomUUID();
    const text = promptText(this.texts, stimulus, args);
    try {
      await this.prompts.ask({ id, runId: this.runId, deviceId: this.deviceId, stimulus, text, timeoutMs: options.timeoutMs });
    } catch (error) {
      return { ok: false, error: { code: 'NO_OPERATOR', message: `the prompt could not reach the lab panel: ${error instanceof Error ? error.message : String(error)}` } };
    }
    this.note(`prompt ${id} shown in the lab panel${this.prompts.hasTerminal() ? ' and this terminal' : ''}: ${text}`);
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), options.timeoutMs);
    const onAbort = () => stop.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const fromTerminal = this.prompts.hasTerminal()
        ? new OperatorPrompt(this.texts, this.prompts.streams).apply(stimulus, args, { timeoutMs: options.timeoutMs, signal: stop.signal }).then((reply) => (stop.signal.aborted ? undefined : reply))
        : new Promise<undefined>(() => {});
      const first = await Promise.race([this.prompts.panelAnswer(id, stop.signal).then((answer) => ({ answer })), fromTerminal.then((reply) => ({ reply }))]);
      stop.abort();
      let answer: Answer;
      if ('answer' in first && first.answer) {
        answer = first.answer;
        // The question still stands in this terminal: say who answered it, and where.
        if (this.prompts.hasTerminal()) this.prompts.streams.output.write(`\n  answered in the lab panel by ${answer.answered_by ?? 'someone'}: ${answer.answer}\n`);
      }
      else if ('reply' in first && first.reply && (first.reply.ok || first.reply.error.code === 'OPERATOR_DECLINED')) answer = await this.prompts.settle(id, first.reply.ok ? 'done' : 'declined', 'terminal', `${userInfo().username}@${hostname()}`);
      else answer = await this.prompts.settle(id, 'expired', 'timeout', null);
      return this.reply(id, answer);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private reply(id: string, a: Answer): StimulusReply {
    const at = a.answered_at?.toISOString() ?? new Date().toISOString();
    const who = `${a.answered_by ?? 'nobody'} in the ${a.answered_via ?? 'panel'}`;
    this.note(`prompt ${id}: ${a.answer} (${who} at ${at})${a.note ? `, note: ${a.note}` : ''}`);
    if (a.answer === 'done') return { ok: true, result: { confirmedBy: a.answered_by, via: a.answered_via, answeredAt: at, ...(a.note ? { note: a.note } : {}) } };
    if (a.answer === 'declined') return { ok: false, error: { code: 'OPERATOR_DECLINED', message: `the operator could not do it (${who})${a.note ? `: ${a.note}` : ''}` } };
    return { ok: false, error: { code: 'NO_ANSWER', message: 'the operator did not answer in time' } };
  }

  async close(): Promise<void> {}
}
