/**
 * One transcript entry, masked: what crossed the wire on a channel, with card data masked in
 * place by the channel's masker and the masked positions listed. Made where the frame is seen
 * (transcript.ts), or from a raw entry on the evidence thread (transcript-thread.ts).
 */
import { isUtf8 } from 'node:buffer';
import type { FrameMasker, MaskedBytes } from '../../devices/formats/card-data.js';
import { maskerNamed } from '../../devices/formats/frame-maskers.js';
import type { MaskedSpan } from '../../devices/formats/redaction.js';
import type { TranscriptEntry } from '../core/record.js';

/** An entry as it crossed the wire, before masking, with the name of the masker it takes. */
export interface RawEntry {
  seq: number;
  ms: number;
  channel: string;
  dir: TranscriptEntry['dir'];
  content: string | Uint8Array;
  masker: string;
}

export function maskedEntry(seq: number, ms: number, channel: string, dir: TranscriptEntry['dir'], content: string | Uint8Array, masker: FrameMasker): TranscriptEntry {
  const entry: TranscriptEntry = { seq, ms, channel, dir };
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
  return entry;
}

export function maskRawEntry(raw: RawEntry): TranscriptEntry {
  return maskedEntry(raw.seq, raw.ms, raw.channel, raw.dir, raw.content, maskerNamed(raw.masker));
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Text with no control characters, in UTF-8: anything else is kept as hex, byte for byte. */
function isPrintable(bytes: Uint8Array): boolean {
  for (const b of bytes) if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) return false;
  return isUtf8(bytes);
}
