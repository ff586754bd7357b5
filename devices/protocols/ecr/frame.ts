/**
 * Frames of the STX/ETX family as a description defines them: start byte, optional length,
 * data, end byte, optional checksum. `EcrFrameDecoder` takes bytes as they arrive, split
 * anywhere, and yields frames, the single control bytes (ACK, NAK, ENQ, EOT), and typed errors;
 * the link goes on after an error. A frame with a bad checksum is reported with its bytes, so
 * it can be NAKed and kept in the transcript.
 */
import { checksum, checksumBytes } from './checksum.js';
import type { Framing, FramePart } from './description.js';

export type ControlByte = 'ack' | 'nak' | 'enq' | 'eot';
export type FrameErrorCode = 'BAD_CHECKSUM' | 'STRAY_BYTES' | 'TOO_LONG' | 'BAD_LENGTH' | 'NO_END' | 'TRUNCATED';

export type FrameItem =
  | { type: 'frame'; data: Uint8Array; raw: Uint8Array }
  | { type: 'control'; byte: ControlByte }
  | { type: 'error'; code: FrameErrorCode; offset: number; raw: Uint8Array; data?: Uint8Array };

/** The most data bytes a length field can announce. */
export function maxLength(framing: Framing): number {
  const { encoding, bytes } = framing.length;
  if (encoding === 'none') return Infinity;
  if (encoding === 'bcd') return 10 ** (2 * bytes) - 1;
  if (encoding === 'ascii') return 10 ** bytes - 1;
  return 256 ** bytes - 1;
}

/** Data bytes a frame may carry: what the length field allows, less what else it counts. */
export function maxData(framing: Framing): number {
  return Math.min(maxLength(framing) - lengthValue(framing, 0), 65_535);
}

export function encodeLength(framing: Framing, value: number): Uint8Array {
  const { encoding, bytes } = framing.length;
  const out = new Uint8Array(encoding === 'none' ? 0 : bytes);
  if (encoding === 'bcd') {
    const digits = String(value).padStart(2 * bytes, '0');
    for (let i = 0; i < bytes; i++) out[i] = (Number(digits[2 * i]) << 4) | Number(digits[2 * i + 1]);
  } else if (encoding === 'ascii') {
    out.set(Buffer.from(String(value).padStart(bytes, '0'), 'latin1'));
  } else if (encoding !== 'none') {
    for (let i = 0; i < bytes; i++) {
      const shift = 8 * (encoding === 'binary-be' ? bytes - 1 - i : i);
      out[i] = Math.floor(value / 2 ** shift) & 0xff;
    }
  }
  return out;
}

/** The length a field announces, or undefined when its bytes are not a number in its encoding. */
export function decodeLength(framing: Framing, raw: readonly number[]): number | undefined {
  const { encoding } = framing.length;
  if (encoding === 'bcd') {
    const digits = raw.map((b) => `${b >> 4}${b & 0x0f}`).join('');
    return /^\d+$/.test(digits) && !raw.some((b) => b >> 4 > 9 || (b & 0x0f) > 9) ? Number(digits) : undefined;
  }
  if (encoding === 'ascii') {
    const text = String.fromCharCode(...raw);
    return /^\d+$/.test(text) ? Number(text) : undefined;
  }
  const ordered = encoding === 'binary-be' ? raw : [...raw].reverse();
  return ordered.reduce((n, b) => n * 256 + b, 0);
}

function lengthValue(framing: Framing, dataLength: number): number {
  return framing.length.counts.reduce((n, part) => n + (part === 'data' ? dataLength : part === 'end' || part === 'start' ? 1 : framing.length.bytes), 0);
}

function covered(framing: Framing, parts: Record<FramePart, Uint8Array>): Uint8Array {
  const order: FramePart[] = ['start', 'length', 'data', 'end'];
  return Buffer.concat(order.filter((p) => framing.checksum.over.includes(p)).map((p) => parts[p]));
}

export function encodeFrame(framing: Framing, data: Uint8Array): Uint8Array {
  const parts: Record<FramePart, Uint8Array> = {
    start: Uint8Array.of(framing.start),
    length: encodeLength(framing, lengthValue(framing, data.length)),
    data,
    end: Uint8Array.of(framing.end),
  };
  return Uint8Array.from(Buffer.concat([parts.start, parts.length, data, parts.end, checksum(framing.checksum.type, covered(framing, parts), framing.checksum.init)]));
}

type State = 'idle' | 'length' | 'data' | 'end' | 'checksum';

export class EcrFrameDecoder {
  private state: State = 'idle';
  private raw: number[] = [];
  private lengthBytes: number[] = [];
  private data: number[] = [];
  private expected = 0;
  private sum: number[] = [];
  private stray: number[] = [];
  private position = 0;
  private readonly controls: ReadonlyMap<number, ControlByte>;
  private readonly limit: number;

  constructor(private readonly framing: Framing) {
    const controls = new Map<number, ControlByte>([
      [framing.ack, 'ack'],
      [framing.nak, 'nak'],
    ]);
    if (framing.session) {
      controls.set(framing.session.enq, 'enq');
      controls.set(framing.session.eot, 'eot');
    }
    this.controls = controls;
    this.limit = maxData(framing);
  }

  /** True while a frame is half received or stray bytes wait: the link times the gap to the next byte. */
  get pending(): boolean {
    return this.state !== 'idle' || this.stray.length > 0;
  }

  push(chunk: Uint8Array): FrameItem[] {
    const items: FrameItem[] = [];
    for (const b of chunk) {
      this.step(b, items);
      this.position++;
    }
    return items;
  }

  /** Drops a half-received frame and pending stray bytes (after an inter-byte time-out). */
  flush(): FrameItem[] {
    const items: FrameItem[] = [];
    if (this.state !== 'idle') this.fail(items, 'TRUNCATED');
    this.flushStray(items);
    return items;
  }

  private flushStray(items: FrameItem[]): void {
    if (this.stray.length === 0) return;
    items.push({ type: 'error', code: 'STRAY_BYTES', offset: this.position - this.stray.length, raw: Uint8Array.from(this.stray) });
    this.stray = [];
  }

  private fail(items: FrameItem[], code: FrameErrorCode): void {
    items.push({ type: 'error', code, offset: this.position, raw: Uint8Array.from(this.raw), ...(this.data.length ? { data: Uint8Array.from(this.data) } : {}) });
    this.state = 'idle';
    this.raw = [];
  }

  private begin(items: FrameItem[]): void {
    this.flushStray(items);
    this.raw = [this.framing.start];
    this.lengthBytes = [];
    this.data = [];
    this.sum = [];
    this.state = this.framing.length.encoding === 'none' ? 'data' : 'length';
  }

  private step(b: number, items: FrameItem[]): void {
    const f = this.framing;
    switch (this.state) {
      case 'idle': {
        const control = this.controls.get(b);
        if (b === f.start) this.begin(items);
        else if (control) {
          this.flushStray(items);
          items.push({ type: 'control', byte: control });
        } else this.stray.push(b);
        return;
      }
      case 'length': {
        this.raw.push(b);
        this.lengthBytes.push(b);
        if (this.lengthBytes.length < f.length.bytes) return;
        const announced = decodeLength(f, this.lengthBytes);
        const data = announced === undefined ? -1 : announced - (lengthValue(f, 0));
        if (data < 0 || data > this.limit) return this.fail(items, 'BAD_LENGTH');
        this.expected = data;
        this.state = data === 0 ? 'end' : 'data';
        return;
      }
      case 'data':
        if (f.length.encoding === 'none') {
          if (b === f.end) {
            this.raw.push(b);
            return this.afterEnd(items);
          }
          // A start byte inside the data: the frame before it was cut off; this one begins.
          if (b === f.start) {
            this.fail(items, 'TRUNCATED');
            return this.begin(items);
          }
          this.raw.push(b);
          this.data.push(b);
          if (this.data.length > this.limit) this.fail(items, 'TOO_LONG');
          return;
        }
        this.raw.push(b);
        this.data.push(b);
        if (this.data.length === this.expected) this.state = 'end';
        return;
      case 'end':
        this.raw.push(b);
        if (b !== f.end) return this.fail(items, 'NO_END');
        return this.afterEnd(items);
      case 'checksum':
        this.raw.push(b);
        this.sum.push(b);
        if (this.sum.length === checksumBytes(f.checksum.type)) this.finish(items);
        return;
    }
  }

  private afterEnd(items: FrameItem[]): void {
    if (checksumBytes(this.framing.checksum.type) === 0) return this.finish(items);
    this.state = 'checksum';
  }

  private finish(items: FrameItem[]): void {
    const f = this.framing;
    const data = Uint8Array.from(this.data);
    const raw = Uint8Array.from(this.raw);
    const parts: Record<FramePart, Uint8Array> = { start: Uint8Array.of(f.start), length: Uint8Array.from(this.lengthBytes), data, end: Uint8Array.of(f.end) };
    const expected = checksum(f.checksum.type, covered(f, parts), f.checksum.init);
    this.state = 'idle';
    this.raw = [];
    if (Buffer.compare(Buffer.from(expected), Buffer.from(this.sum)) === 0) items.push({ type: 'frame', data, raw });
    else items.push({ type: 'error', code: 'BAD_CHECKSUM', offset: this.position, raw, data });
  }
}
