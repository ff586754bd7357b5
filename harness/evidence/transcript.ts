/**
 * The transcript: every frame and every discarded byte on every channel, in and out, with the
 * time since the run started. Card data is masked in place by each channel's protocol (the
 * masked positions are listed in the entry), so every other byte stays as it crossed the wire.
 * Written as NDJSON segments (`transcript/00001.ndjson`…, segments.ts); the latest entries are
 * also kept in memory, a fixed number of them, so the record can carry the excerpt of a failed step.
 */
import { maskUnknown, type FrameMasker, type MaskedBytes } from '../../devices/formats/card-data.js';
import { maskCardText, type MaskedSpan } from '../../devices/formats/redaction.js';
import type { WireTap } from '../../devices/framing/wire-tap.js';
import type { TranscriptEntry } from '../core/record.js';

/** Where entries go on disk: a chain of segments (SegmentedNdjson) or one NDJSON file. */
export interface EntrySink {
  append(value: unknown): void;
}

const RECENT = 4096;
/** Notes are poshil's own text; it still passes the text rule, in case it quotes the terminal. */
const NOTES: FrameMasker = { text: maskCardText, bytes: (bytes) => maskUnknown(bytes, 'binary note') };
/** Bytes that formed no frame cannot be parsed in the channel's format. */
const DISCARDED: FrameMasker = {
  text: (text) => ({ ...maskCardText(text), unparsed: 'bytes that formed no frame' }),
  bytes: (bytes) => maskUnknown(bytes, 'bytes that formed no frame'),
};
const EXCERPT_HEAD = 10;
const EXCERPT_TAIL = 50;

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function isPrintable(bytes: Uint8Array): boolean {
  for (const b of bytes) if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) return false;
  return true;
}

export class Transcript {
  private seq = 0;
  /**
   * The latest RECENT entries, as a ring: entry `seq` lives at `seq % RECENT`. Adding one is
   * O(1) whatever the run's length (trimming an array from the front moved it all each time).
   */
  private readonly recent: (TranscriptEntry | undefined)[] = new Array<TranscriptEntry | undefined>(RECENT);
  private readonly start = performance.now();

  constructor(private readonly file?: EntrySink) {}

  /** The sequence number the next entry will get. */
  get next(): number {
    return this.seq;
  }

  /** A tap for one channel whose frames `masker` knows how to mask (by default: as free text and unknown bytes). */
  tap(channel: string, masker: FrameMasker = NOTES): WireTap {
    return {
      frame: (dir, frame) => this.add(channel, dir, frame, masker),
      discarded: (dir, bytes, reason) => {
        this.add(channel, 'note', `discarded ${bytes.length} bytes: ${reason}`);
        this.add(channel, dir, bytes, DISCARDED);
      },
      note: (text) => this.add(channel, 'note', text),
    };
  }

  note(channel: string, text: string): void {
    this.add(channel, 'note', text);
  }

  /** Entries [from, to) still held in memory: the head and tail when there are many. */
  excerpt(from: number, to: number): TranscriptEntry[] {
    const first = Math.max(from, this.seq - RECENT, 0);
    const last = Math.min(to, this.seq);
    const pick = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => this.recent[(a + i) % RECENT]!);
    if (last - first <= EXCERPT_HEAD + EXCERPT_TAIL) return pick(first, last);
    return [...pick(first, first + EXCERPT_HEAD), ...pick(last - EXCERPT_TAIL, last)];
  }

  private add(channel: string, dir: TranscriptEntry['dir'], content: string | Uint8Array, masker: FrameMasker = NOTES): void {
    const entry: TranscriptEntry = { seq: this.seq++, ms: Math.round((performance.now() - this.start) * 1000) / 1000, channel, dir };
    let masked: { spans: MaskedSpan[]; unparsed?: string };
    if (typeof content === 'string' || isPrintable(content)) {
      const text = masker.text(typeof content === 'string' ? content : Buffer.from(content).toString('utf8'));
      entry.text = text.text;
      masked = text;
    } else {
      const bytes: MaskedBytes = masker.bytes(content);
      entry.hex = toHex(bytes.bytes);
      masked = bytes;
    }
    if (masked.spans.length > 0) entry.masked = masked.spans;
    if (masked.unparsed) entry.unparsed = masked.unparsed;
    this.recent[entry.seq % RECENT] = entry;
    this.file?.append(entry);
  }
}
