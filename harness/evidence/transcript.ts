/**
 * The transcript: every frame and every discarded byte on every channel, in and out, with the
 * time since the run started, masked. Written as NDJSON (`transcript.ndjson`); the latest
 * entries are also kept in memory so the record can carry the excerpt of a failed step.
 */
import type { WireTap } from '../../devices/framing/wire-tap.js';
import type { TranscriptEntry } from '../core/record.js';
import { maskText } from './mask.js';
import type { NdjsonFile } from './ndjson-file.js';

const RECENT = 4096;
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

  constructor(private readonly file?: NdjsonFile) {}

  /** The sequence number the next entry will get. */
  get next(): number {
    return this.seq;
  }

  tap(channel: string): WireTap {
    return {
      frame: (dir, frame) => this.add(channel, dir, frame),
      discarded: (dir, bytes, reason) => {
        this.add(channel, 'note', `discarded ${bytes.length} bytes: ${reason}`);
        this.add(channel, dir, bytes);
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

  private add(channel: string, dir: TranscriptEntry['dir'], content: string | Uint8Array): void {
    const entry: TranscriptEntry = { seq: this.seq++, ms: Math.round((performance.now() - this.start) * 1000) / 1000, channel, dir };
    if (typeof content === 'string') entry.text = maskText(content);
    else if (isPrintable(content)) entry.text = maskText(Buffer.from(content).toString('utf8'));
    else entry.hex = maskText(toHex(content));
    this.recent[entry.seq % RECENT] = entry;
    this.file?.append(entry);
  }
}
