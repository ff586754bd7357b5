/**
 * The transcript: every frame and every discarded byte on every channel, in and out, with the
 * time since the run started. Card data is masked in place by each channel's protocol (the
 * masked positions are listed in the entry), so every other byte stays as it crossed the wire.
 * Written as NDJSON segments (`transcript/00001.ndjson`…, segments.ts); the latest entries are
 * also kept in memory, a fixed number of them, so the record can carry the excerpt of a failed step.
 */
import type { FrameMasker } from '../../devices/formats/card-data.js';
import { discardedFrames, namedMasker, noteFrames } from '../../devices/formats/frame-maskers.js';
import type { WireTap } from '../../devices/framing/wire-tap.js';
import type { TranscriptEntry } from '../core/record.js';
import { maskedEntry, maskRawEntry, type RawEntry } from './transcript-entry.js';

/** Where entries go on disk: a chain of segments (SegmentedNdjson) or one NDJSON file. */
export interface EntrySink {
  append(value: unknown): void;
}

/**
 * A sink that masks entries itself, on a thread of its own (transcript-thread.ts): entries whose
 * masker it knows by name reach it raw, and the harness's event loop does not mask them.
 */
export interface RawEntrySink extends EntrySink {
  appendRaw(entry: RawEntry): void;
}

const RECENT = 4096;
const EXCERPT_HEAD = 10;
const EXCERPT_TAIL = 50;

export class Transcript {
  private seq = 0;
  /**
   * The latest RECENT entries, as a ring: entry `seq` lives at `seq % RECENT`. Adding one is
   * O(1) whatever the run's length (trimming an array from the front moved it all each time).
   */
  private readonly recent: (TranscriptEntry | RawEntry | undefined)[] = new Array<TranscriptEntry | RawEntry | undefined>(RECENT);
  private readonly start = performance.now();
  private readonly raw: RawEntrySink | undefined;

  constructor(private readonly file?: EntrySink | RawEntrySink) {
    this.raw = file && 'appendRaw' in file ? file : undefined;
  }

  /** The sequence number the next entry will get. */
  get next(): number {
    return this.seq;
  }

  /** A tap for one channel whose frames `masker` knows how to mask (by default: as free text and unknown bytes). */
  tap(channel: string, masker: FrameMasker = noteFrames): WireTap {
    return {
      frame: (dir, frame) => this.add(channel, dir, frame, masker),
      discarded: (dir, bytes, reason) => {
        this.add(channel, 'note', `discarded ${bytes.length} bytes: ${reason}`);
        this.add(channel, dir, bytes, discardedFrames);
      },
      note: (text) => this.add(channel, 'note', text),
    };
  }

  note(channel: string, text: string): void {
    this.add(channel, 'note', text);
  }

  /** Entries [from, to) still held in memory, masked: the head and tail when there are many. */
  excerpt(from: number, to: number): TranscriptEntry[] {
    const first = Math.max(from, this.seq - RECENT, 0);
    const last = Math.min(to, this.seq);
    const pick = (a: number, b: number) =>
      Array.from({ length: Math.max(0, b - a) }, (_, i) => {
        const entry = this.recent[(a + i) % RECENT]!;
        return 'masker' in entry ? maskRawEntry(entry) : entry;
      });
    if (last - first <= EXCERPT_HEAD + EXCERPT_TAIL) return pick(first, last);
    return [...pick(first, first + EXCERPT_HEAD), ...pick(last - EXCERPT_TAIL, last)];
  }

  private add(channel: string, dir: TranscriptEntry['dir'], content: string | Uint8Array, masker: FrameMasker = noteFrames): void {
    const seq = this.seq++;
    const ms = Math.round((performance.now() - this.start) * 1000) / 1000;
    const name = this.raw && namedMasker(masker);
    if (name) {
      // Copied: a framer may reuse the buffer it handed out once this call returns.
      const entry: RawEntry = { seq, ms, channel, dir, content: typeof content === 'string' ? content : Uint8Array.from(content), masker: name };
      this.recent[seq % RECENT] = entry;
      this.raw!.appendRaw(entry);
      return;
    }
    const entry = maskedEntry(seq, ms, channel, dir, content, masker);
    this.recent[seq % RECENT] = entry;
    this.file?.append(entry);
  }
}
