/**
 * Bench protocol v1 on the terminal side: requests in, one response each, events out, and the
 * protocol's answers to bad input (MALFORMED, LINE_TOO_LONG, UNKNOWN_OP). Serves one link; the
 * control channel uses the same class with its own handler.
 */
import { LineFramer } from '../framing/lines.js';
import { MAX_LINE_BYTES, parseBenchLine, ProtocolErrorCode } from '../protocols/bench/messages.js';
import type { Transport } from '../transports/transport.js';
import type { Reply } from './terminal.js';

let lastMs = -1;
let lastTs = '';

/** The time of an event, ISO 8601: a sale's events often share a millisecond, and formatting one costs. */
function timestamp(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTs = new Date(now).toISOString();
  }
  return lastTs;
}

/** Tests a line for any character other than white space without copying it, as trim() would. */
const NOT_BLANK = /\S/;

export type RequestHandler = (op: string, args: Record<string, unknown>) => Reply | Promise<Reply>;

export class BenchSession {
  private readonly framer: LineFramer;
  private closed = false;

  constructor(
    private readonly transport: Transport,
    private readonly handler: RequestHandler,
    private readonly onClosed: () => void = () => undefined,
  ) {
    this.framer = new LineFramer(
      transport,
      {
        line: (line) => void this.receive(line),
        oversize: () => this.send({ id: null, ok: false, error: { code: ProtocolErrorCode.lineTooLong, message: `lines are at most ${MAX_LINE_BYTES} bytes` } }),
        closed: () => {
          this.closed = true;
          this.onClosed();
        },
      },
      { maxLineBytes: MAX_LINE_BYTES },
    );
  }

  event(name: string, data: unknown): void {
    this.send({ event: name, ts: timestamp(), data });
  }

  private async receive(line: string): Promise<void> {
    if (!NOT_BLANK.test(line)) return;
    const parsed = parseBenchLine(line);
    if (parsed.kind !== 'request') {
      const message = parsed.kind === 'invalid' ? parsed.reason : `a terminal accepts requests, not ${parsed.kind}s`;
      this.send({ id: null, ok: false, error: { code: ProtocolErrorCode.malformed, message } });
      return;
    }
    const { id, op, args } = parsed.message;
    let reply: Reply;
    try {
      reply = await this.handler(op, args ?? {});
    } catch (error) {
      reply = { ok: false, error: { code: 'INTERNAL', message: (error as Error).message } };
    }
    this.send(reply.ok ? { id, ok: true, result: reply.result } : { id, ok: false, error: reply.error });
  }

  /** Bytes that are not a message (a garbled-link fault). */
  sendRaw(bytes: Uint8Array): void {
    if (!this.closed) this.transport.write(bytes).catch(() => undefined);
  }

  send(message: unknown): void {
    if (this.closed) return;
    this.framer.send(JSON.stringify(message)).catch(() => undefined);
  }
}
