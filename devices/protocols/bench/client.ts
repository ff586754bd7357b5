/**
 * The harness side of the bench protocol: numbers requests, pairs responses with them, and
 * hands unsolicited events and protocol anomalies to listeners. It knows messages, not verbs.
 */
import { DeviceError } from '../../../harness/core/errors.js';
import { LineFramer } from '../../framing/lines.js';
import type { WireTap } from '../../framing/wire-tap.js';
import { linkClosed } from '../../transports/errors.js';
import type { Transport, Unsubscribe } from '../../transports/transport.js';
import { MAX_LINE_BYTES, parseBenchLine, type BenchEvent, type BenchResponse, type JsonObject } from './messages.js';

/** Tests a line for any character other than white space without copying it, as trim() would. */
const NOT_BLANK = /\S/;

export interface RequestOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

interface Pending {
  op: string;
  resolve(response: BenchResponse): void;
  reject(error: Error): void;
}

export class BenchClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly framer: LineFramer;
  private readonly eventListeners = new Set<(event: BenchEvent) => void>();
  private readonly anomalyListeners = new Set<(text: string) => void>();
  private readonly closeListeners = new Set<(error: Error | null) => void>();
  private closedError: Error | undefined;

  constructor(
    private readonly transport: Transport,
    tap?: WireTap,
  ) {
    this.framer = new LineFramer(
      transport,
      {
        line: (line) => this.receive(line),
        oversize: (bytes) => this.anomaly(`discarded a line of ${bytes} bytes (limit ${MAX_LINE_BYTES})`),
        closed: (error) => this.closed(error),
      },
      { maxLineBytes: MAX_LINE_BYTES, ...(tap ? { tap } : {}) },
    );
  }

  get address(): string {
    return this.transport.address;
  }

  onEvent(listener: (event: BenchEvent) => void): Unsubscribe {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Malformed lines, replies to no request, over-long lines: kept as evidence, never fatal. */
  onAnomaly(listener: (text: string) => void): Unsubscribe {
    this.anomalyListeners.add(listener);
    return () => this.anomalyListeners.delete(listener);
  }

  /** Runs once when the link closes: `null` after a local close, an Error when the terminal went away. */
  onClose(listener: (error: Error | null) => void): Unsubscribe {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /**
   * Sends a request and waits for its response. Rejects with `E_REPLY_TIMEOUT` when none came in
   * time, `E_LINK_CLOSED` when the link closed first, or the signal's reason when aborted.
   */
  request(op: string, args: JsonObject | undefined, options: RequestOptions): Promise<BenchResponse> {
    if (this.closedError) return Promise.reject(linkClosed(this.address));
    const id = this.nextId++;
    const { timeoutMs, signal } = options;
    return new Promise<BenchResponse>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
      };
      const onAbort = () => {
        finish();
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new DeviceError('E_REPLY_TIMEOUT', `no reply to "${op}" (id ${id}) within ${timeoutMs} ms`, {
            device: this.address,
            hint: 'the terminal may be busy, stalled or rebooting; see the transcript for what it sent',
          }),
        );
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        op,
        resolve: (response) => {
          finish();
          resolve(response);
        },
        reject: (error) => {
          finish();
          reject(error);
        },
      });
      const line = JSON.stringify(args === undefined ? { id, op } : { id, op, args });
      this.framer.send(line).catch((error: unknown) => this.pending.get(id)?.reject(error as Error));
    });
  }

  async close(): Promise<void> {
    this.framer.detach();
    await this.transport.close();
    this.closed(null);
  }

  private receive(line: string): void {
    if (!NOT_BLANK.test(line)) return;
    const parsed = parseBenchLine(line);
    switch (parsed.kind) {
      case 'response': {
        const { id } = parsed.message;
        const pending = id === null ? undefined : this.pending.get(id);
        if (pending) pending.resolve(parsed.message);
        else if (!parsed.message.ok) this.anomaly(`terminal reported ${parsed.message.error.code}: ${parsed.message.error.message}`);
        else this.anomaly(`reply to no pending request (id ${String(id)})`);
        break;
      }
      case 'event':
        for (const listener of this.eventListeners) listener(parsed.message);
        break;
      case 'request':
        this.anomaly(`terminal sent a request ("${parsed.message.op}"), which the harness does not serve`);
        break;
      case 'invalid':
        this.anomaly(`malformed line: ${parsed.reason}`);
        break;
    }
  }

  private anomaly(text: string): void {
    for (const listener of this.anomalyListeners) listener(text);
  }

  private closed(error: Error | null): void {
    if (this.closedError) return;
    this.closedError = error ?? new Error('closed');
    for (const pending of [...this.pending.values()]) pending.reject(linkClosed(this.address));
    for (const listener of this.closeListeners) listener(error);
  }
}
