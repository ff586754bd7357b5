/**
 * ZVT over RS-232: `DLE STX`, the APDU with every `DLE` (0x10) doubled, `DLE ETX`, then the
 * CRC low byte and high byte. The CRC is CRC-16/KERMIT over the unstuffed APDU bytes followed
 * by the ETX byte 0x03 (DOMAIN.md). The receiver answers ACK (0x06) or NAK (0x15).
 *
 * `SerialFrameDecoder` takes bytes as they arrive, split anywhere, and yields frames, ACKs,
 * NAKs, and typed errors for bad input (the link goes on after them). Given arrival times, it
 * also ends a frame whose bytes stop for longer than the inter-character time-out T1: the
 * partial frame is an error (`T1_TIMEOUT`), and the next `DLE STX` starts afresh.
 */
import { crc16Kermit } from '../../formats/crc.js';

export const DLE = 0x10;
export const STX = 0x02;
export const ETX = 0x03;
export const ACK = 0x06;
export const NAK = 0x15;
/** Longest APDU a frame may carry (extended length maximum plus header). */
export const MAX_APDU_BYTES = 0xffff + 5;

export type SerialItem =
  | { type: 'frame'; apdu: Uint8Array; raw: Uint8Array }
  | { type: 'ack' }
  | { type: 'nak' }
  | { type: 'error'; code: 'CRC_MISMATCH' | 'STRAY_BYTES' | 'FRAME_TOO_LONG' | 'BAD_ESCAPE' | 'T1_TIMEOUT'; offset: number; raw: Uint8Array };

export function frameCrc(apdu: Uint8Array): number {
  const withEtx = new Uint8Array(apdu.length + 1);
  withEtx.set(apdu);
  withEtx[apdu.length] = ETX;
  return crc16Kermit(withEtx);
}

export function encodeSerialFrame(apdu: Uint8Array): Uint8Array {
  const out: number[] = [DLE, STX];
  for (const b of apdu) {
    out.push(b);
    if (b === DLE) out.push(DLE);
  }
  const crc = frameCrc(apdu);
  out.push(DLE, ETX, crc & 0xff, crc >> 8);
  return Uint8Array.from(out);
}

type State = 'idle' | 'dle' | 'body' | 'bodyDle' | 'crc1' | 'crc2';

export class SerialFrameDecoder {
  private state: State = 'idle';
  private body: number[] = [];
  private raw: number[] = [];
  private stray: number[] = [];
  private crcLow = 0;
  /** Bytes consumed so far, for error offsets. */
  private position = 0;
  private lastByteAt = 0;

  /** @param interByteMs T1: the longest gap allowed between two bytes of one frame (with arrival times). */
  constructor(private readonly interByteMs = Infinity) {}

  /** True while a frame has begun and not ended. */
  get inFrame(): boolean {
    return this.state !== 'idle';
  }

  /**
   * Bytes as they arrive; `at` is their arrival time in ms (performance.now()). A gap longer
   * than T1 inside a frame ends that frame as a `T1_TIMEOUT` error before the new bytes count.
   */
  push(chunk: Uint8Array, at?: number): SerialItem[] {
    const items: SerialItem[] = [];
    if (at !== undefined) {
      if (this.inFrame && at - this.lastByteAt > this.interByteMs) items.push(...this.expire());
      this.lastByteAt = at;
    }
    for (const b of chunk) {
      this.step(b, items);
      this.position++;
    }
    return items;
  }

  /** Ends a frame that stopped arriving (T1 elapsed): its bytes so far become a `T1_TIMEOUT` error. */
  expire(): SerialItem[] {
    if (!this.inFrame) return [];
    const raw = this.state === 'dle' ? Uint8Array.of(DLE) : Uint8Array.from(this.raw);
    this.state = 'idle';
    this.body = [];
    this.raw = [];
    return [{ type: 'error', code: 'T1_TIMEOUT', offset: this.position, raw }];
  }

  private flushStray(items: SerialItem[]): void {
    if (this.stray.length === 0) return;
    items.push({ type: 'error', code: 'STRAY_BYTES', offset: this.position - this.stray.length, raw: Uint8Array.from(this.stray) });
    this.stray = [];
  }

  private step(b: number, items: SerialItem[]): void {
    switch (this.state) {
      case 'idle':
        if (b === DLE) {
          this.state = 'dle';
        } else if (b === ACK || b === NAK) {
          this.flushStray(items);
          items.push({ type: b === ACK ? 'ack' : 'nak' });
        } else this.stray.push(b);
        return;
      case 'dle':
        if (b === STX) {
          this.flushStray(items);
          this.state = 'body';
          this.body = [];
          this.raw = [DLE, STX];
        } else {
          this.stray.push(DLE, b);
          this.state = 'idle';
        }
        return;
      case 'body':
        this.raw.push(b);
        if (b === DLE) this.state = 'bodyDle';
        else this.body.push(b);
        if (this.body.length > MAX_APDU_BYTES) {
          items.push({ type: 'error', code: 'FRAME_TOO_LONG', offset: this.position, raw: Uint8Array.from(this.raw) });
          this.state = 'idle';
        }
        return;
      case 'bodyDle':
        this.raw.push(b);
        if (b === DLE) {
          this.body.push(DLE);
          this.state = 'body';
        } else if (b === ETX) this.state = 'crc1';
        else {
          items.push({ type: 'error', code: 'BAD_ESCAPE', offset: this.position, raw: Uint8Array.from(this.raw) });
          this.state = b === STX ? 'body' : 'idle';
          if (b === STX) {
            this.body = [];
            this.raw = [DLE, STX];
          }
        }
        return;
      case 'crc1':
        this.raw.push(b);
        this.crcLow = b;
        this.state = 'crc2';
        return;
      case 'crc2': {
        this.raw.push(b);
        const apdu = Uint8Array.from(this.body);
        const raw = Uint8Array.from(this.raw);
        this.state = 'idle';
        if ((this.crcLow | (b << 8)) === frameCrc(apdu)) items.push({ type: 'frame', apdu, raw });
        else items.push({ type: 'error', code: 'CRC_MISMATCH', offset: this.position - 1, raw });
        return;
      }
    }
  }
}

/** Splits the bare TCP form (APDU after APDU, no framing) as bytes arrive. */
export class TcpApduSplitter {
  private buffer = new Uint8Array(0);

  push(chunk: Uint8Array): Uint8Array[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer);
    joined.set(chunk, this.buffer.length);
    const apdus: Uint8Array[] = [];
    let rest = joined;
    for (;;) {
      if (rest.length < 3) break;
      const total = rest[2] !== 0xff ? 3 + rest[2]! : rest.length >= 5 ? 5 + (rest[3]! | (rest[4]! << 8)) : Infinity;
      if (rest.length < total) break;
      apdus.push(rest.slice(0, total));
      rest = rest.subarray(total);
    }
    this.buffer = rest.slice();
    return apdus;
  }
}
