/**
 * Newline-delimited framing over any byte transport, built on serialport's readline parser.
 *
 * The readline parser buffers without limit, so a peer that sends garbage and never a newline
 * would grow memory for ever: past `maxLineBytes` this framer drops what the parser holds and
 * everything up to the next newline, hands those bytes to the tap, and reports `oversize` once
 * for that line. A trailing `\r` is removed, so CRLF peers work too. Empty lines are not
 * delivered (the parser emits no empty frames); the tap sees every other byte.
 */
import { ReadlineParser } from '@serialport/parser-readline';
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
const encoder = new TextEncoder();

export class LineFramer {
  private readonly parser = new ReadlineParser({ delimiter: '\n', encoding: 'utf8' });
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
    this.parser.on('data', (line: string) => this.deliver(line));
    this.unsubscribe = [
      transport.onData((chunk) => this.receive(chunk)),
      transport.onClose((error) => this.closed(error)),
    ];
  }

  /** Sends one line; a newline is appended. The line must not contain one. */
  send(line: string): Promise<void> {
    this.tap?.frame('tx', line);
    return this.transport.write(encoder.encode(line + '\n'));
  }

  /** Stops listening to the transport (which stays open). */
  detach(): void {
    for (const off of this.unsubscribe) off();
  }

  private deliver(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    this.tap?.frame('rx', line);
    this.handlers.line(line);
  }

  private receive(chunk: Uint8Array): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline + 1;
      const piece = chunk.subarray(start, end);
      start = end;
      const held = this.parser.buffer.length;
      if (this.discarding === 0 && held + piece.length - (newline === -1 ? 0 : 1) <= this.maxLineBytes) {
        // The parser transforms synchronously, so `buffer` is current after each write.
        this.parser.write(piece);
        continue;
      }
      if (this.discarding === 0 && held > 0) {
        this.tap?.discarded('rx', this.parser.buffer, 'line over the size limit');
        this.parser.buffer = Buffer.alloc(0);
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
    if (this.parser.buffer.length > 0) this.tap?.discarded('rx', this.parser.buffer, 'link closed mid-line');
    this.parser.buffer = Buffer.alloc(0);
    this.handlers.closed?.(error);
  }
}
