/**
 * Newline-delimited framing over any byte transport.
 *
 * Lines are cut straight out of the received chunks: a chunk that holds whole lines is decoded
 * in place, and only the tail of an unfinished line is copied and held (this runs for every
 * line of every step, so it has no stream machinery and no per-chunk concatenation). What is
 * held never grows past `maxLineBytes`: past it this framer drops what it holds and everything
 * up to the next newline, hands those bytes to the tap, and reports `oversize` once for that
 * line. A trailing `\r` is removed, so CRLF peers work too. Empty lines are not delivered; the
 * tap sees every other byte.
 */
import { isUtf8 } from 'node:buffer';
import type { Transport, Unsubscribe } from '../transports/transport.js';
import type { WireTap } from './wire-tap.js';

export interface LineFramerOptions {
  /** Longest line accepted, newline excluded. Default 64 KiB. */
  maxLineBytes?: number;
  tap?: WireTap;
}

export interface LineHandlers {
  line(line: string): void;
  oversize?(bytes: number): void;
  closed?(error: Error | null): void;
}

const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);

/** A Buffer over the same memory as `bytes` (no copy). */
function view(bytes: Uint8Array, start = 0, end = bytes.length): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
}

export class LineFramer {
  /** Bytes of an unfinished line, copied out of earlier chunks. */
  private held: Buffer = EMPTY;
  private discarding = 0;
  private readonly maxLineBytes: number;
  private readonly tap: WireTap | undefined;
  private readonly unsubscribe: Unsubscribe[];

  constructor(
    private readonly transport: Transport,
    private readonly handlers: LineHandlers,
    options: LineFramerOptions = {},
  ) {
    this.maxLineBytes = options.maxLineBytes ?? 64 * 1024;
    this.tap = options.tap;
    this.unsubscribe = [
      transport.onData((chunk) => this.receive(chunk)),
      transport.onClose((error) => this.closed(error)),
    ];
  }

  /** Sends one line; a newline is appended. The line must not contain one. */
  send(line: string): Promise<void> {
    this.tap?.frame('tx', line);
    // Buffer.from takes a short line's bytes from Node's shared pool, with no ArrayBuffer of its own.
    return this.transport.write(Buffer.from(line + '\n', 'utf8'));
  }

  /** Stops listening to the transport (which stays open). */
  detach(): void {
    for (const off of this.unsubscribe) off();
  }

  private deliver(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const raw = bytes.toString('utf8');
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    // Bytes that are not UTF-8 (a garbled link) decode to U+FFFD, which loses them: the tap gets
    // the bytes themselves (a copy: the transport may reuse its chunk), so the transcript keeps them.
    this.tap?.frame('rx', raw.includes('\ufffd') && !isUtf8(bytes) ? Buffer.from(bytes) : line);
    this.handlers.line(line);
  }

  private receive(received: Uint8Array): void {
    // A Buffer's indexOf is memchr; a plain Uint8Array's is a loop in JavaScript.
    const chunk = Buffer.isBuffer(received) ? received : view(received);
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      const held = this.held.length;
      if (this.discarding === 0 && held + end - start <= this.maxLineBytes) {
        if (newline === -1) {
          // An unfinished line: keep a copy, the transport may reuse its chunk.
          this.held = held === 0 ? Buffer.from(view(chunk, start, end)) : Buffer.concat([this.held, view(chunk, start, end)]);
          return;
        }
        this.deliver(held === 0 ? view(chunk, start, end) : Buffer.concat([this.held, view(chunk, start, end)]));
        this.held = EMPTY;
        start = newline + 1;
        continue;
      }
      const piece = chunk.subarray(start, newline === -1 ? chunk.length : newline + 1);
      start += piece.length;
      if (this.discarding === 0 && held > 0) {
        this.tap?.discarded('rx', this.held, 'line over the size limit');
        this.held = EMPTY;
      }
      this.discarding += held + piece.length;
      this.tap?.discarded('rx', piece, 'line over the size limit');
      if (newline !== -1) {
        this.handlers.oversize?.(this.discarding - 1);
        this.discarding = 0;
      }
    }
  }

  private closed(error: Error | null): void {
    if (this.held.length > 0) this.tap?.discarded('rx', this.held, 'link closed mid-line');
    this.held = EMPTY;
    this.handlers.closed?.(error);
  }
}
